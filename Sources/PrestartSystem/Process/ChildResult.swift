import Glibc

public struct ChildResult: Sendable, Equatable {
    /// How the group's leader ended.
    public var termination: Termination
    public var timedOut: Bool
    public var cancelled: Bool
}

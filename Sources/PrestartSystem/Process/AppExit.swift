import Glibc

/// How a supervised app ran.
public struct AppExit: Sendable {
    public var pid: Int32
    public var startedAt: WallClock
    public var duration: Duration
    public var termination: Termination
}

import Glibc

/// What to start.
public struct ProcessSpec: Sendable {
    public var argv: [String]
    /// The child's whole environment.
    public var environment: Environment
    public var workdir: String

    public init(argv: [String], environment: Environment, workdir: String) {
        self.argv = argv
        self.environment = environment
        self.workdir = workdir
    }
}

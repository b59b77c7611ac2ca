public import PrestartSystem

/// What happened to one step in one run.
public struct StepOutcome: Sendable {
    public var name: String
    public var kind: String
    public var state: StepState
    public var attempts: Int
    public var startedAt: WallClock?
    public var duration: Duration?
    /// A command's exit status (128+N when killed by signal N).
    public var exitCode: Int32?
    public var error: String?
    public var failure: StepFailure?
    /// A schema step's differences between the database and the file.
    public var drift: [String] = []
    /// A schema step's changes applied by this run (`column user.phone`), over all its attempts.
    public var applied: [String] = []
    /// An alembic step's head: the revision the database is at when the step is done.
    public var revision: String?

    public init(
        name: String, kind: String, state: StepState, attempts: Int = 0, startedAt: WallClock? = nil,
        duration: Duration? = nil, exitCode: Int32? = nil, error: String? = nil, failure: StepFailure? = nil
    ) {
        self.name = name
        self.kind = kind
        self.state = state
        self.attempts = attempts
        self.startedAt = startedAt
        self.duration = duration
        self.exitCode = exitCode
        self.error = error
        self.failure = failure
    }
}

extension StepOutcome {
    /// Takes what an attempt came to.
    mutating func record(_ attempt: Attempt) {
        state = attempt.state
        failure = attempt.failure
        error = attempt.error
        exitCode = attempt.exitCode
        drift = attempt.drift
        applied += attempt.applied
        revision = attempt.revision
    }
}

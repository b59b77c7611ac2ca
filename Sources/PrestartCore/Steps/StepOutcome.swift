import PrestartDatabase
public import PrestartSystem

/// The states of DESIGN.md's report.
public enum StepState: String, Sendable {
    case succeeded
    case failed
    case timedOut = "timed-out"
    case skipped
    case cancelled
    case notRun = "not-run"
    case alreadyApplied = "already-applied"

    /// Whether steps that come after this one may run.
    public var satisfiesDependents: Bool {
        self == .succeeded || self == .skipped || self == .alreadyApplied
    }
}

/// Why a step failed, in the terms the exit status distinguishes.
public enum StepFailure: Sendable, Equatable {
    /// A command exited non-zero, an SQL error, drift with `drift = "fail"`.
    case failed
    case timedOut
    /// A wait step gave up: the dependency is unavailable.
    case unavailable
    /// An applied once-only unit changed, or a half-applied one blocks the ledger.
    case ledgerConflict
    /// The ledger lock was not acquired in time.
    case lockTimeout
}

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
    /// A database call that a timeout or a cancellation stopped; its statement was cancelled and rolled back.
    mutating func stopped(_ reason: ConnectionPool.StopReason, timeout: Duration?) {
        switch reason {
        case .timedOut:
            state = .timedOut
            failure = .timedOut
            error = "timed out after \(DurationText.format(timeout ?? .zero)); the statement was cancelled and rolled back"
        case .cancelled:
            state = .cancelled
            failure = nil
            error = "cancelled; the statement was cancelled and rolled back"
        }
    }

    mutating func cancelledBeforeRetry() {
        state = .cancelled
        failure = nil
        error = "cancelled while waiting to retry"
    }
}

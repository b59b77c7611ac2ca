import PrestartDatabase
import PrestartSystem

/// What one attempt of a step came to; ``StepEngine`` makes the step's outcome of it.
public struct Attempt: Sendable {
    public var state: StepState
    public var failure: StepFailure?
    public var error: String?
    /// A command's exit status (128+N when killed by signal N).
    public var exitCode: Int32?
    /// A schema step's differences between the database and the file.
    public var drift: [String] = []
    /// A schema step's changes this attempt applied (`column user.phone`), also when it then failed.
    public var applied: [String] = []
    /// An alembic step's head: the revision the database is at when the step is done.
    public var revision: String?
    /// Whether another attempt may succeed: a deadlock, a lock timeout or a lost connection rolled the work back, or
    /// a command exited non-zero. Only then does the engine try again.
    public var isTransient = false
    /// The tries a kind counts itself, as the report's attempts (a wait step's); nil for the engine's count.
    public var attempts: Int?

    public init(
        state: StepState, failure: StepFailure? = nil, error: String? = nil, exitCode: Int32? = nil,
        isTransient: Bool = false
    ) {
        self.state = state
        self.failure = failure
        self.error = error
        self.exitCode = exitCode
        self.isTransient = isTransient
    }

    public static let succeeded = Attempt(state: .succeeded)

    /// A failure with the exit status of `failure` (`.failed`: 1).
    public static func failed(
        _ message: String, _ failure: StepFailure = .failed, transient: Bool = false, exitCode: Int32? = nil
    ) -> Attempt {
        Attempt(state: .failed, failure: failure, error: message, exitCode: exitCode, isTransient: transient)
    }

    /// Stopped by the run's cancellation (a signal, another step's failure): not a failure of its own.
    public static func cancelled(_ message: String) -> Attempt {
        Attempt(state: .cancelled, error: message)
    }

    /// The run's ledger lock, or the ledger read under it, could not be had: `cancelled` when the run was stopped
    /// while waiting for `what`, else failed with the status the error means (75 after `lock-timeout`, 65 for a
    /// blocked or changed ledger).
    static func notLocked(_ error: LedgerError, waitingFor what: String) -> Attempt {
        if Task.isCancelled { return .cancelled("cancelled while waiting for \(what)") }
        return .failed(error.description, StepFailure(error))
    }

    /// A database call that its timeout or a cancellation stopped; its statement was cancelled and rolled back.
    static func stopped(_ reason: ConnectionPool.StopReason, timeout: Duration?) -> Attempt {
        switch reason {
        case .timedOut:
            Attempt(
                state: .timedOut, failure: .timedOut,
                error: "timed out after \(DurationText.format(timeout ?? .zero)); the statement was cancelled and rolled back")
        case .cancelled:
            .cancelled("cancelled; the statement was cancelled and rolled back")
        }
    }
}

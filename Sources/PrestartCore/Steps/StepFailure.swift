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

extension StepFailure {
    /// Why once-only work could not go ahead, in the terms of the exit status.
    init(_ error: LedgerError) {
        switch error {
        case .checksumMismatch, .blocked, .newerSchema: self = .ledgerConflict
        case .lockTimeout: self = .lockTimeout
        case .database, .lockFile: self = .failed
        }
    }
}

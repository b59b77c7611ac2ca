import PrestartDatabase
import PrestartSystem

/// The states of the report's (docs/design.md).
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

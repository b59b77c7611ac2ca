public import PrestartSystem

/// The result of running a selection of steps.
public struct RunResult: Sendable {
    /// In the order the config declares the steps.
    public var outcomes: [StepOutcome]
    /// The first step that failed, by the time it failed.
    public var failedStep: String?
    public var startedAt: WallClock
    public var duration: Duration
    /// The signal that stopped the run, if one did.
    public var signal: Int32?

    public var failedOutcome: StepOutcome? {
        failedStep.flatMap { name in outcomes.first { $0.name == name } }
    }
}

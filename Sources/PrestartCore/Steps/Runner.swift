import Logging
import PrestartDatabase
import PrestartSystem

/// Runs a selection of steps as a graph: each starts when everything it comes after has succeeded,
/// independent steps run concurrently, and the first failure cancels the rest.
public struct Runner: Sendable {
    public var steps: [Step]
    /// Steps `--skip` named: reported as skipped, and they count as done for their dependents.
    public var skipped: Set<String>
    public var context: StepContext

    public init(steps: [Step], skipped: Set<String> = [], context: StepContext) {
        self.steps = steps
        self.skipped = skipped
        self.context = context
    }

    /// Cancelling the calling task (a signal) stops every running step's process group.
    public func run() async -> RunResult {
        let startedAt = WallClock.now
        let clock = ContinuousClock()
        let start = clock.now
        let selected = Set(steps.map(\.name))
        var outcomes: [String: StepOutcome] = [:]
        for step in steps where skipped.contains(step.name) {
            outcomes[step.name] = StepOutcome(name: step.name, kind: step.kindName, state: .skipped)
            context.logger.info("skipped", metadata: ["step": "\(step.name)"])
        }
        var failedStep: String?

        await withTaskGroup(of: StepOutcome.self) { group in
            var running: Set<String> = []
            func startReady() {
                guard failedStep == nil, !Task.isCancelled else { return }
                for step in steps where outcomes[step.name] == nil && !running.contains(step.name) {
                    // A dependency outside the selection (`run --no-deps`) is the operator's call.
                    let ready = step.after.allSatisfy {
                        !selected.contains($0) || outcomes[$0]?.state.satisfiesDependents == true
                    }
                    guard ready else { continue }
                    running.insert(step.name)
                    let context = context
                    group.addTask { await StepEngine.run(step, context: context) }
                }
            }
            startReady()
            for await outcome in group {
                running.remove(outcome.name)
                outcomes[outcome.name] = outcome
                if outcome.failure != nil, failedStep == nil {
                    failedStep = outcome.name
                    group.cancelAll()
                }
                startReady()
            }
        }

        let ordered = steps.map { step in
            outcomes[step.name] ?? StepOutcome(name: step.name, kind: step.kindName, state: .notRun)
        }
        return RunResult(
            outcomes: ordered, failedStep: failedStep, startedAt: startedAt, duration: clock.now - start, signal: nil)
    }
}

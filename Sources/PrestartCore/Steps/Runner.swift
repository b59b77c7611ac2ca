import Logging
import PrestartDatabase
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
            outcomes[step.name] = StepOutcome(name: step.name, kind: step.kind.name, state: .skipped)
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
                    group.addTask { await Self.execute(step, context: context) }
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
            outcomes[step.name] ?? StepOutcome(name: step.name, kind: step.kind.name, state: .notRun)
        }
        return RunResult(
            outcomes: ordered, failedStep: failedStep, startedAt: startedAt, duration: clock.now - start, signal: nil)
    }

    static func execute(_ step: Step, context: StepContext) async -> StepOutcome {
        let logger = context.logger
        var metadata: Logger.Metadata = ["step": "\(step.name)"]
        logger.info("started (\(step.kind.name))", metadata: metadata)
        context.notifier?.status("\(step.name): started (\(step.kind.name))")
        let outcome: StepOutcome
        switch step.kind {
        case .migrations:
            outcome = await MigrationsStep.run(step, units: MigrationsStep.units(of: step, context: context), context: context)
        case _ where step.once:
            outcome = await MigrationsStep.run(step, units: MigrationsStep.units(of: step, context: context), context: context)
        case .command(let argv):
            outcome = await CommandStep.run(step, argv: argv, context: context)
        case .wait(let target, let interval):
            outcome = await WaitStep.run(step, target: target, interval: interval, context: context)
        case .sql(let sql):
            outcome = await SQLStep.run(step, sql: sql, context: context)
        case .schema(let schema):
            outcome = await SchemaStep.run(step, schema: schema, context: context)
        case .alembic(let alembic):
            outcome = await AlembicStep.run(step, alembic: alembic, context: context)
        }
        let took = DurationText.format(outcome.duration ?? .zero)
        context.notifier?.status("\(step.name): \(outcome.state.rawValue) in \(took)")
        if let exitCode = outcome.exitCode { metadata["exit_code"] = "\(exitCode)" }
        switch outcome.state {
        case .succeeded, .alreadyApplied, .skipped, .notRun:
            logger.info("\(outcome.state.rawValue) in \(took)", metadata: metadata)
        case .cancelled:
            logger.warning("cancelled after \(took)", metadata: metadata)
        case .failed, .timedOut:
            logger.error("\(outcome.state.rawValue) after \(took): \(outcome.error ?? "")", metadata: metadata)
        }
        return outcome
    }
}

import Logging
import PrestartSystem

/// `kind = "command"`: any program, in a process group of its own, with a timeout per attempt that stops the whole
/// group, and its output streamed into the log. With `once = true` it is a once-only unit in the ledger.
public struct CommandStep: StepKind {
    public static let name = "command"
    public static let keys: Set<String> = ["run"]
    public static let takesOnce = true

    /// The argv; `run[0]` is looked up on the step's own `PATH`.
    public var run: [String]

    public init(run: [String]) {
        self.run = run
    }

    public func attempt(_ step: Step, in context: StepContext) async -> Attempt {
        if step.once { return await OnceWork.apply(units(of: step), of: step, context: context) }
        return await Self.run(run, as: step, context: context)
    }

    public func units(of step: Step) -> [OnceUnit] {
        guard step.once else { return [] }
        return [OnceUnit(name: step.name, step: step, checksum: nil, body: .process(argv: run, isMigrationFile: false))]
    }

    /// One run of `argv` with the step's environment, workdir and timeout. Every failure of a command may be one a
    /// new attempt fixes: the engine retries it while `retries` allows.
    static func run(_ argv: [String], as step: Step, context: StepContext) async -> Attempt {
        let spec = ProcessSpec(argv: argv, environment: context.childEnvironment(for: step), workdir: step.workdir)
        let logger = context.logger
        let token = CancelToken()
        let result = await withTaskCancellationHandler {
            await BlockingThread.run {
                Result { () throws(ProcessError) -> ChildResult in
                    try ChildProcess.run(spec, timeout: step.timeout, grace: context.killGrace, cancel: token) {
                        stream, line in
                        logger.info("\(line)", metadata: ["step": "\(step.name)", "stream": "\(stream.rawValue)"])
                    }
                }
            }
        } onCancel: {
            token.cancel()
        }
        switch result {
        case .failure(let error):
            return .failed(error.description, transient: true)
        case .success(let child):
            let exitCode = child.termination.exitCode
            if child.cancelled {
                var attempt = Attempt.cancelled("cancelled; the command was stopped (\(child.termination))")
                attempt.exitCode = exitCode
                return attempt
            }
            if child.timedOut, let timeout = step.timeout {
                return Attempt(
                    state: .timedOut, failure: .timedOut,
                    error: "timed out after \(DurationText.format(timeout)); the command was stopped",
                    exitCode: exitCode, isTransient: true)
            }
            if child.termination == .exited(0) {
                var attempt = Attempt.succeeded
                attempt.exitCode = exitCode
                return attempt
            }
            return .failed("\(argv[0]) \(child.termination)", transient: true, exitCode: exitCode)
        }
    }
}

import Logging
import PrestartDatabase
import PrestartSystem

/// `kind = "command"`: any program, with retries, a timeout per attempt, and its output streamed into the log.
enum CommandStep {
    static func run(_ step: Step, argv: [String], context: StepContext) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = StepOutcome(name: step.name, kind: step.kind.name, state: .failed, startedAt: .now)
        for attempt in 1...(step.retries + 1) {
            let result = await self.attempt(step, argv: argv, context: context)
            outcome.attempts = attempt
            outcome.state = result.state
            outcome.failure = result.failure
            outcome.error = result.error
            outcome.exitCode = result.exitCode
            guard outcome.failure != nil, attempt <= step.retries, !Task.isCancelled else { break }
            if await !context.pauseBeforeRetry(step, after: attempt, failure: outcome.error ?? "") {
                outcome.cancelledBeforeRetry()
                break
            }
        }
        outcome.duration = clock.now - start
        return outcome
    }

    /// One run of the command: state, failure, error and exit code filled in.
    static func attempt(_ step: Step, argv: [String], context: StepContext) async -> StepOutcome {
        var outcome = StepOutcome(name: step.name, kind: step.kind.name, state: .failed, attempts: 1)
        let spec = ProcessSpec(
            argv: argv, environment: context.childEnvironment(for: step), workdir: step.workdir)
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
            outcome.failure = .failed
            outcome.error = error.description
        case .success(let child):
            outcome.exitCode = child.termination.exitCode
            if child.cancelled {
                outcome.state = .cancelled
                outcome.error = "cancelled; the command was stopped (\(child.termination))"
            } else if child.timedOut {
                outcome.state = .timedOut
                outcome.failure = .timedOut
                outcome.error = "timed out after \(DurationText.format(step.timeout!)); the command was stopped"
            } else if child.termination == .exited(0) {
                outcome.state = .succeeded
            } else {
                outcome.failure = .failed
                outcome.error = "\(argv[0]) \(child.termination)"
            }
        }
        return outcome
    }
}

import Logging
import PrestartSystem

/// Runs one step, whatever its kind: its attempts, a new one only after a failure a retry can fix and while
/// `retries` allows, the `retry-delay` between them (a cancellation during the delay ends the step as cancelled),
/// timing, the log lines and the systemd status around it, and the outcome. Kinds implement one attempt.
enum StepEngine {
    static func run(_ step: Step, context: StepContext) async -> StepOutcome {
        let logger = context.logger
        var metadata: Logger.Metadata = ["step": "\(step.name)"]
        logger.info("started (\(step.kindName))", metadata: metadata)
        context.notifier?.status("\(step.name): started (\(step.kindName))")
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = StepOutcome(name: step.name, kind: step.kindName, state: .failed, startedAt: .now)
        var attempts = 0
        while true {
            attempts += 1
            outcome.attempts = attempts
            let attempt = await step.kind.attempt(step, in: context)
            outcome.record(attempt)
            if let tries = attempt.attempts { outcome.attempts = tries }
            guard attempt.failure != nil, attempt.isTransient, attempts <= step.retries, !Task.isCancelled
            else { break }
            let delay = DurationText.format(step.retryDelay)
            logger.warning(
                "attempt \(attempts) of \(step.retries + 1) failed: \(attempt.error ?? ""); retrying in \(delay)",
                metadata: metadata)
            guard (try? await Task.sleep(for: step.retryDelay)) != nil else {
                outcome.record(.cancelled("cancelled while waiting to retry"))
                break
            }
        }
        outcome.duration = clock.now - start
        if step.needsLedgerLock { await context.database?.ledger.stepFinished() }

        let took = DurationText.format(outcome.duration ?? .zero)
        context.notifier?.status("\(step.name): \(outcome.state.rawValue) in \(took)")
        if let exitCode = outcome.exitCode { metadata["exit_code"] = .stringConvertible(exitCode) }
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

import Logging
import PrestartDatabase
import PrestartSystem

/// `kind = "wait"`: tries the target until it answers or the step's timeout passes (exit 69).
///
/// Tries that find nothing listening (refused, no socket yet, "starting up") cost the target nothing and
/// repeat at the interval's lower bound, so the step proceeds within milliseconds of the database accepting
/// queries; any other failure backs off over the interval. The first failure is logged at once, then a
/// reminder at most every 5 s.
enum WaitStep {
    static let defaultInterval = Backoff(initial: .milliseconds(20), maximum: .seconds(1))
    static let defaultTimeout: Duration = .seconds(300)
    static let reminderEvery: Duration = .seconds(5)
    /// The longest one try may take, so a silent host cannot eat the whole timeout in one go.
    static let tryLimit: Duration = .seconds(10)
    /// Beyond the step's deadline in `EXTEND_TIMEOUT_USEC=`: time for the last try to end and prestart to exit.
    static let notifyMargin: Duration = .seconds(5)

    static func run(
        _ step: Step, target: Step.WaitTarget, interval: Backoff, context: StepContext
    ) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + (step.timeout ?? defaultTimeout)
        let logger = context.logger
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        var outcome = StepOutcome(name: step.name, kind: step.kind.name, state: .failed, startedAt: .now)
        var lastReminder = start
        var slowFailures = 0
        let pool = context.database
        while true {
            outcome.attempts += 1
            let remaining = deadline - clock.now
            let limit = min(max(remaining, .milliseconds(50)), tryLimit)
            guard let result = await BlockingThread.runUnlessCancelled({ Probe.check(target, pool: pool, timeout: limit) })
            else {
                outcome.state = .cancelled
                outcome.error = "cancelled while waiting for \(target)"
                break
            }
            guard let failure = result else {
                outcome.state = .succeeded
                let waited = clock.now - start
                if outcome.attempts > 1 {
                    logger.info(
                        "\(target) is ready after \(DurationText.format(waited)) (\(outcome.attempts) tries)", metadata: metadata)
                }
                break
            }
            let now = clock.now
            let waited = DurationText.format(now - start)
            if failure.permanent {
                outcome.failure = .failed
                outcome.error = "\(failure.reason) (not retried: waiting cannot fix this)"
                break
            }
            // Under systemd: keep TimeoutStartSec= from firing while the step is inside its own timeout, so
            // the step's own verdict (exit 69) decides. Sent again with each reminder, as the protocol expects.
            if outcome.attempts == 1 || now - lastReminder >= reminderEvery {
                context.notifier?.extendTimeout(by: deadline - now + notifyMargin)
            }
            if outcome.attempts == 1 {
                logger.warning(
                    "\(target) is not ready yet: \(failure.reason); waiting up to \(DurationText.format(deadline - start))",
                    metadata: metadata)
            } else if now - lastReminder >= reminderEvery {
                lastReminder = now
                logger.info("still waiting for \(target) after \(waited) (\(outcome.attempts) tries): \(failure.reason)", metadata: metadata)
            }
            guard now < deadline else {
                outcome.failure = .unavailable
                outcome.error = "gave up waiting for \(target) after \(waited) (\(outcome.attempts) tries): \(failure.reason)"
                break
            }
            let delay: Duration
            if failure.nothingListening {
                delay = interval.initial
            } else {
                slowFailures += 1
                delay = interval.delay(afterAttempt: slowFailures)
            }
            do {
                try await Task.sleep(for: min(delay, deadline - now))
            } catch {
                outcome.state = .cancelled
                outcome.error = "cancelled while waiting for \(target)"
                break
            }
        }
        outcome.duration = clock.now - start
        return outcome
    }
}

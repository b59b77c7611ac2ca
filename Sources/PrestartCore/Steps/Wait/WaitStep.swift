import Logging
import PrestartDatabase
public import PrestartSystem

/// `kind = "wait"`: tries the target until it answers or the step's timeout passes (exit 69).
///
/// Tries that find nothing listening (refused, no socket yet, "starting up") cost the target nothing and
/// repeat at the interval's lower bound, so the step proceeds within milliseconds of the database accepting
/// queries; any other failure backs off over the interval. The first failure is logged at once, then a
/// reminder at most every 5 s.
public struct WaitStep: StepKind {
    public static let name = "wait"
    public static let keys: Set<String> = ["target", "interval"]
    public static let defaultInterval = Backoff(initial: .milliseconds(20), maximum: .seconds(1))
    public static let defaultTimeout: Duration? = .seconds(300)
    static let reminderEvery: Duration = .seconds(5)
    /// The longest one try may take, so a silent host cannot eat the whole timeout in one go.
    static let tryLimit: Duration = .seconds(10)
    /// Beyond the step's deadline in `EXTEND_TIMEOUT_USEC=`: time for the last try to end and prestart to exit.
    static let notifyMargin: Duration = .seconds(5)

    public var target: WaitTarget
    /// Between tries that found something listening; tries that found nothing repeat at its lower bound.
    public var interval: Backoff

    public init(target: WaitTarget, interval: Backoff = defaultInterval) {
        self.target = target
        self.interval = interval
    }

    /// Tries until the target answers or the step's timeout passes: the timeout is the deadline of the one attempt,
    /// and passing it means the dependency is unavailable (exit 69), not that a step hung.
    public func attempt(_ step: Step, in context: StepContext) async -> Attempt {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + (step.timeout ?? .seconds(300))
        let logger = context.logger
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        var tries = 0
        var lastReminder = start
        var slowFailures = 0
        let pool = context.database?.pool
        // The report counts a wait step's tries as its attempts.
        func tried(_ attempt: Attempt) -> Attempt {
            var attempt = attempt
            attempt.attempts = tries
            return attempt
        }
        while true {
            tries += 1
            let remaining = deadline - clock.now
            let limit = min(max(remaining, .milliseconds(50)), Self.tryLimit)
            guard let result = await BlockingThread.runUnlessCancelled({ Probe.check(target, pool: pool, timeout: limit) })
            else {
                return tried(.cancelled("cancelled while waiting for \(target)"))
            }
            guard let failure = result else {
                let waited = clock.now - start
                if tries > 1 {
                    logger.info(
                        "\(target) is ready after \(DurationText.format(waited)) (\(tries) tries)", metadata: metadata)
                }
                return tried(.succeeded)
            }
            let now = clock.now
            let waited = DurationText.format(now - start)
            if failure.permanent {
                return tried(.failed("\(failure.reason) (not retried: waiting cannot fix this)"))
            }
            // Under systemd: keep TimeoutStartSec= from firing while the step is inside its own timeout, so
            // the step's own verdict (exit 69) decides. Sent again with each reminder, as the protocol expects.
            if tries == 1 || now - lastReminder >= Self.reminderEvery {
                context.notifier?.extendTimeout(by: deadline - now + Self.notifyMargin)
            }
            if tries == 1 {
                logger.warning(
                    "\(target) is not ready yet: \(failure.reason); waiting up to \(DurationText.format(deadline - start))",
                    metadata: metadata)
            } else if now - lastReminder >= Self.reminderEvery {
                lastReminder = now
                logger.info("still waiting for \(target) after \(waited) (\(tries) tries): \(failure.reason)", metadata: metadata)
            }
            guard now < deadline else {
                return tried(
                    .failed("gave up waiting for \(target) after \(waited) (\(tries) tries): \(failure.reason)", .unavailable))
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
                return tried(.cancelled("cancelled while waiting for \(target)"))
            }
        }
    }
}

/// An exponential backoff between tries: `50ms..1s` doubles from 50 ms and never waits more than 1 s.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// `50ms..1s`, or one duration for a fixed delay.
    public static func parse(_ text: String) -> Backoff? {
        let parts = text.split(separator: "..", maxSplits: 1, omittingEmptySubsequences: false)
        guard let first = DurationText.parse(String(parts[0])) else { return nil }
        guard parts.count == 2 else { return Backoff(initial: first, maximum: first) }
        guard let last = DurationText.parse(String(parts[1])), first <= last, first > .zero else { return nil }
        return Backoff(initial: first, maximum: last)
    }

    /// The delay before try number `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(attempt, 1) {
            delay = delay * 2
            if delay >= maximum { return maximum }
        }
        return min(delay, maximum)
    }
}

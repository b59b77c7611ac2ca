import Glibc

/// Wall-clock timestamps for logs and reports (durations use `ContinuousClock`).
public struct WallClock: Sendable, Equatable {
    public var seconds: Int
    public var nanoseconds: Int

    public static var now: WallClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return WallClock(seconds: spec.tv_sec, nanoseconds: spec.tv_nsec)
    }

    /// `2026-11-26T11:59:00.123Z`.
    public var iso8601: String {
        let parts = brokenDown
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1))-\(pad(Int(parts.tm_mday)))T"
            + "\(timeOfDay)Z"
    }

    /// `11:59:00.123`, UTC.
    public var timeOfDay: String {
        let parts = brokenDown
        return "\(pad(Int(parts.tm_hour))):\(pad(Int(parts.tm_min))):\(pad(Int(parts.tm_sec))).\(pad(nanoseconds / 1_000_000, 3))"
    }

    private var brokenDown: tm {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return parts
    }

    private func pad(_ value: Int, _ width: Int = 2) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

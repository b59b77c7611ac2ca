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

    /// Milliseconds since 1970 of `2026-11-26T11:59:00.123Z` (the form `iso8601` writes), or `nil`.
    public static func milliseconds(fromISO8601 text: String) -> Int64? {
        let digits = text.split(whereSeparator: { "-T:.Z".contains($0) })
        guard text.hasSuffix("Z"), digits.count == 7 else { return nil }
        let numbers = digits.compactMap { Int64($0) }
        guard numbers.count == 7 else { return nil }
        let (year, month, day) = (numbers[0], numbers[1], numbers[2])
        // Days from civil (Howard Hinnant's algorithm), valid for the proleptic Gregorian calendar.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + numbers[3]) * 60 + numbers[4]) * 60_000 + numbers[5] * 1000 + numbers[6]
    }
}

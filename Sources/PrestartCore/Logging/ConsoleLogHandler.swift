public import Logging
import PrestartDatabase
import PrestartSystem

/// prestart's swift-log handler. Text: `11:59:00.123 info     [seed] message key=value` (a child's output:
/// `[seed] | line`); JSON: one object per
/// line with `time`, `level`, `message`, then the metadata.
///
/// Written to the journal (`journal`), each line starts with sd-daemon(3)'s `<N>`, the syslog priority of its
/// level, which journald takes off and records as the entry's PRIORITY: `journalctl -p err` then finds prestart's
/// errors. Without it every line would be PRIORITY=6 (info).
public struct ConsoleLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let format: LogFormat
    public let journal: Bool
    private let sink: LogSink

    public init(format: LogFormat, level: Logger.Level, journal: Bool = false, sink: LogSink = .standardError) {
        self.format = format
        self.logLevel = level
        self.journal = journal
        self.sink = sink
    }

    /// sd-daemon(3)'s prefix: syslog's priorities, which have no trace (debug, 7) and a notice of their own (5).
    static func journalPrefix(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "<7>"
        case .info: "<6>"
        case .notice: "<5>"
        case .warning: "<4>"
        case .error: "<3>"
        case .critical: "<2>"
        }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let now = WallClock.now
        let prefix = journal ? Self.journalPrefix(event.level) : ""
        switch format {
        case .text:
            let level = event.level.rawValue
            var line = prefix + now.timeOfDay + " " + level + String(repeating: " ", count: max(1, 9 - level.count))
            if let step = merged.removeValue(forKey: "step") { line += "[\(step)] " }
            // A child's output line: marked, and without the metadata a person does not need.
            if merged.removeValue(forKey: "stream") != nil { line += "| " }
            line += "\(event.message)"
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                line += " \(key)=\(Self.quotedIfNeeded(value.description))"
            }
            sink.write(line: line)
        case .json:
            var members: [(String, JSON)] = [
                ("time", .string(now.iso8601)), ("level", .string(event.level.rawValue)),
                ("message", .string(event.message.description)),
            ]
            for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
                members.append((key, Self.json(value)))
            }
            sink.write(line: prefix + JSON.object(members).serialized())
        }
    }

    /// A number logged as one (`exit_code`) stays a number, as in the report; everything else is text.
    private static func json(_ value: Logger.MetadataValue) -> JSON {
        if case .stringConvertible(let convertible) = value, let number = convertible as? any BinaryInteger,
            let integer = Int64(exactly: number)
        {
            return .int(integer)
        }
        return .string(value.description)
    }

    private static func quotedIfNeeded(_ text: String) -> String {
        text.contains(where: { $0 == " " || $0 == "\"" }) || text.isEmpty
            ? JSON.string(text).serialized() : text
    }
}

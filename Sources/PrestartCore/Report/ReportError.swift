import PrestartDatabase
import PrestartSystem

/// The report cannot be written where `--report` or `$PRESTART_REPORT` asks (exit 64, before any step runs).
public struct ReportError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        "cannot write the report to \(path) (--report or $PRESTART_REPORT): \(reason); nothing was run"
    }
}

import PrestartDatabase
import PrestartSystem

/// Why prestart cannot tell natively that the database is at Alembic's head, so `run` runs: the reason, and the
/// file (and line) it is about. Never an error a user sees as a failure: it is logged, and Alembic decides.
public struct AlembicUnsure: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    /// Absolute, or as the user wrote it; messages show it relative to the step's workdir.
    public var file: String?
    public var line: Int?

    public init(_ reason: String, file: String? = nil, line: Int? = nil) {
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String {
        guard let file else { return reason }
        return "\(file)\(line.map { ":\($0)" } ?? ""): \(reason)"
    }

    /// The same reason with `file` shown relative to `directory`.
    func relative(to directory: String) -> AlembicUnsure {
        var copy = self
        copy.file = file.map { Path.relative($0, to: directory) }
        return copy
    }
}

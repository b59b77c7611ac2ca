import PrestartDatabase
public import PrestartSystem

/// One row of `prestart_ledger`: a once-only unit (a migration file `STEP/FILE`, or a `once` step by name).
public struct LedgerEntry: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Started and not finished: a non-transactional unit that was killed half-way looks like this.
        case running
        case applied
        case failed
    }

    public var name: String
    public var step: String
    /// SHA-256 of the file or SQL text, hex; `nil` for a command.
    public var checksum: String?
    public var status: Status
    /// Whether the unit ran in one transaction with its row (then a failure left nothing behind).
    public var transactional: Bool
    public var startedAt: String
    public var finishedAt: String?
    public var durationMilliseconds: Int64?
    public var host: String
    public var pid: Int32
    public var prestartVersion: String
    public var error: String?

    public init(
        name: String, step: String, checksum: String?, status: Status, transactional: Bool, startedAt: String,
        finishedAt: String? = nil, durationMilliseconds: Int64? = nil, host: String, pid: Int32,
        prestartVersion: String = PrestartVersion.current, error: String? = nil
    ) {
        self.name = name
        self.step = step
        self.checksum = checksum
        self.status = status
        self.transactional = transactional
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMilliseconds = durationMilliseconds
        self.host = host
        self.pid = pid
        self.prestartVersion = prestartVersion
        self.error = error
    }

    /// A row that blocks every later run: the unit may have changed data before it stopped.
    public var blocks: Bool {
        status == .running || (status == .failed && !transactional)
    }

    public var json: JSON {
        func text(_ value: String?) -> JSON { value.map { .string($0) } ?? .null }
        return .object([
            ("name", .string(name)), ("step", .string(step)), ("checksum", text(checksum)),
            ("status", .string(status.rawValue)), ("transactional", .bool(transactional)),
            ("started_at", .string(startedAt)), ("finished_at", text(finishedAt)),
            ("duration_ms", durationMilliseconds.map { .int($0) } ?? .null), ("host", .string(host)),
            ("pid", .int(Int64(pid))), ("prestart_version", .string(prestartVersion)), ("error", text(error)),
        ])
    }
}

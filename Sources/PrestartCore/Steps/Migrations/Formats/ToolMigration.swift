import PrestartSystem

/// One migration file of another tool's folder, read as that tool reads it: its version, and the SQL that runs
/// (the up part only) with the transaction mode the tool would use.
public struct ToolMigration: Sendable, Equatable {
    /// The version as the tool records it in its ledger (`42` for golang-migrate's `0042_x.up.sql`; dbmate keeps the
    /// digits as written).
    public var version: String
    /// The name inside the folder, e.g. `0042_add_users.up.sql`.
    public var fileName: String
    public var parts: [Part]
    /// Every part and the ledger rows in one transaction (goose without NO TRANSACTION, a one-section dbmate file):
    /// then a failure leaves nothing behind, and the next run may simply try again.
    public var singleTransaction: Bool
    /// A migration prestart cannot run (a goose `.go` file): the tool's own binary must apply it.
    public var isExternal: Bool
    /// What the tool records beside the version (sqlx: the description from the file name).
    public var description = ""
    /// The checksum the tool records, as text (sqlx: SHA-384 hex; Flyway: its CRC-32 as a signed integer), to verify
    /// on adoption and to mirror.
    public var toolChecksum: String?
    /// A Flyway repeatable migration (`R__…`): no version; runs again whenever its checksum changes.
    public var isRepeatable = false

    public init(version: String, fileName: String, parts: [Part], singleTransaction: Bool, isExternal: Bool = false) {
        self.version = version
        self.fileName = fileName
        self.parts = parts
        self.singleTransaction = singleTransaction
        self.isExternal = isExternal
    }

    /// A piece of the file that runs as one unit of work.
    public struct Part: Sendable, Equatable {
        public var sql: String
        public var mode: Mode
        /// The file's line where `sql` starts, for error messages.
        public var firstLine: Int
        /// Lines of `sql` (from 0) whose `${VAR}` are replaced from the step's environment when it runs (goose
        /// `ENVSUB ON`).
        public var substitutedLines: Set<Int>

        public init(sql: String, mode: Mode, firstLine: Int, substitutedLines: Set<Int> = []) {
            self.sql = sql
            self.mode = mode
            self.firstLine = firstLine
            self.substitutedLines = substitutedLines
        }
    }

    public enum Mode: Sendable, Equatable {
        /// The text sent as one simple-query string, without BEGIN: PostgreSQL runs a multi-statement string as one
        /// implicit transaction, and a lone `CREATE INDEX CONCURRENTLY` works (golang-migrate).
        case simpleQuery
        /// The text sent as one simple-query string inside a transaction: the part's own (a dbmate section), or the
        /// file's when ``ToolMigration/singleTransaction`` (goose).
        case transaction
        /// The text sent as one simple-query string outside any transaction (dbmate `transaction:false`).
        case noTransaction
    }

    /// Whether the whole file runs in one transaction together with its ledger rows: then a failure leaves nothing
    /// behind, and the next run may simply try again.
    public var isAtomicWithLedger: Bool {
        singleTransaction && !isExternal
    }
}

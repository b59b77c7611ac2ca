/// How a migrations step with `format = "TOOL"` follows that tool: its ledger table, whether prestart keeps it true,
/// and what to do with a version that arrives below the highest applied one.
public struct ToolSettings: Sendable {
    public var format: MigrationFormat
    /// The tool's ledger table as configured: `schema_migrations`, or `app.schema_migrations`.
    public var table: String
    /// `mirror`: write the tool's own ledger row for each unit prestart applies, and hold the tool's lock.
    public var mirror: Bool
    /// `out-of-order = "apply"`: run a pending version lower than the highest applied one; else refuse (exit 65).
    public var outOfOrderApply: Bool
    /// Every migration of the folder in the tool's order, also when `prestart run` picked some of the files: adoption
    /// reads the tool's ledger against all of them.
    public var folder: ToolFolder
    /// `[database] lock-timeout`: also how long to wait for the tool's own lock.
    public var lockTimeout: Duration

    public init(
        format: MigrationFormat, table: String, mirror: Bool, outOfOrderApply: Bool, folder: ToolFolder,
        lockTimeout: Duration
    ) {
        self.lockTimeout = lockTimeout
        self.format = format
        self.table = table
        self.mirror = mirror
        self.outOfOrderApply = outOfOrderApply
        self.folder = folder
    }
}

/// One statement of a unit and the table locks it takes: `plan`'s lock table.
public struct StatementLocks: Sendable, Equatable {
    /// One lock on one table (or index) for the length of the statement, or of the unit's transaction.
    public struct Lock: Sendable, Equatable {
        public var level: LockLevel
        /// `"user"`, or `index "user_email"` where only an index is named.
        public var target: String
        /// Set when the target is a table the unit creates, or one `plan` found missing or empty.
        public var note: String?

        public init(level: LockLevel, target: String, note: String? = nil) {
            self.level = level
            self.target = target
            self.note = note
        }
    }

    public var line: Int
    public var column: Int
    /// What the statement does: `CREATE INDEX`, `ALTER TABLE ADD COLUMN`, `INSERT`.
    public var command: String
    public var locks: [Lock]

    public init(line: Int, column: Int, command: String, locks: [Lock]) {
        self.line = line
        self.column = column
        self.command = command
        self.locks = locks
    }

    /// `SHARE on "user" (≈ 2.1 M rows)`, or `no table lock`.
    public var locksText: String {
        guard !locks.isEmpty else { return "no table lock" }
        return locks.map { "\($0.level.name) on \($0.target)" + ($0.note.map { " (\($0))" } ?? "") }
            .joined(separator: ", ")
    }
}

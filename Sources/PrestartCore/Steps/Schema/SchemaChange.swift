public import PrestartLint

/// One difference between a table the database has and the same table in the schema file, and what
/// `drift = "apply"` does about it: applies it with statements that keep the table readable and writable, or leaves
/// it to a migration a developer reviews (``SchemaMigration``, printed by `prestart schema-diff`).
public struct SchemaChange: Sendable, Equatable {
    /// Names the change in the ledger, after `STEP/`: `column user.phone`, `index ix_user_phone`,
    /// `constraint item.item_owner_id_fkey`.
    public var subject: String
    /// The drift line: `user.phone: missing column (character varying(32))`.
    public var drift: String
    public var remedy: Remedy
    /// Changes apply in this order: columns, then indexes, then the constraints that may need both.
    var phase: Int

    public enum Remedy: Sendable, Equatable {
        /// Applied at start, statement by statement.
        case safe([DDL])
        /// Never applied at start: why not, and the SQL of the migration that does it (comments and statements).
        case unsafe(reason: String, migration: [String])
    }

    /// One statement of a safe change.
    public struct DDL: Sendable, Equatable {
        public var sql: String
        /// The strongest table lock it takes (PostgreSQL); nil on SQLite, which locks the whole file.
        public var lock: LockLevel?
        /// Whether it runs in a transaction of its own (`CREATE INDEX CONCURRENTLY` cannot).
        public var transactional: Bool
        /// For how long the lock is held, in words.
        public var holds: String
        /// The index a concurrent build makes: when the build fails it leaves the index `INVALID`, and that one (only
        /// that one) is dropped again.
        public var builds: IndexOnTable? = nil
    }

    public struct IndexOnTable: Sendable, Equatable {
        public var index: String
        public var table: String
    }

    public var isSafe: Bool {
        if case .safe = remedy { return true }
        return false
    }
}

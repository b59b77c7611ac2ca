/// One lint rule: its id (what `[lint] rules` and `-- prestart:allow` name), how much it weighs by default, the
/// PostgreSQL versions it applies to, and what it is about. The safe alternative is in each finding's message.
public enum LintRule: String, Sendable, CaseIterable, Comparable {
    case requireConcurrentIndex = "require-concurrent-index"
    case requireConcurrentDropIndex = "require-concurrent-drop-index"
    case concurrentlyInTransaction = "concurrently-in-transaction"
    case volatileDefault = "volatile-default"
    case storedGeneratedColumn = "stored-generated-column"
    case addRequiredColumn = "add-required-column"
    case setNotNull = "set-not-null"
    case constraintNotValid = "constraint-not-valid"
    case addPrimaryKey = "add-primary-key"
    case addUniqueConstraint = "add-unique-constraint"
    case changeColumnType = "change-column-type"
    case renameColumn = "rename-column"
    case renameTable = "rename-table"
    case dropColumn = "drop-column"
    case dropTable = "drop-table"
    case truncateCascade = "truncate-cascade"
    case vacuumFullOrCluster = "vacuum-full-or-cluster"
    case enumAddValueInTransaction = "enum-add-value-in-transaction"
    case lockTimeoutDisabled = "lock-timeout-disabled"
    /// PostgreSQL's parser rejects the unit: it would fail when it runs.
    case syntaxError = "syntax-error"
    /// A `-- prestart:allow` without a reason, or for a rule that does not exist.
    case invalidAllow = "invalid-allow"

    public static func < (lhs: LintRule, rhs: LintRule) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Without `[lint] rules`: errors for what fails at run time, warnings for the rest.
    public var defaultSeverity: LintSeverity {
        switch self {
        case .concurrentlyInTransaction, .enumAddValueInTransaction, .syntaxError: .error
        default: .warn
        }
    }

    /// The server versions (`server_version_num`) the rule applies to; nil: every version.
    public var versions: Range<Int>? {
        switch self {
        // From 12 on, ALTER TYPE … ADD VALUE runs inside a transaction block (the new value is usable after commit).
        case .enumAddValueInTransaction: 0..<120000
        default: nil
        }
    }

    /// One line for `--help`-like listings and the docs.
    public var summary: String {
        switch self {
        case .requireConcurrentIndex: "CREATE INDEX without CONCURRENTLY on an existing table (SHARE: writes wait)"
        case .requireConcurrentDropIndex: "DROP INDEX without CONCURRENTLY (ACCESS EXCLUSIVE on its table)"
        case .concurrentlyInTransaction: "CONCURRENTLY in a unit that runs in a transaction: fails at run time"
        case .volatileDefault: "ADD COLUMN with a volatile DEFAULT (any DEFAULT before 11): rewrites the table"
        case .storedGeneratedColumn: "ADD COLUMN … GENERATED ALWAYS AS … STORED: rewrites the table"
        case .addRequiredColumn: "ADD COLUMN … NOT NULL without DEFAULT: fails on a table with rows"
        case .setNotNull: "ALTER COLUMN … SET NOT NULL: scans the table under ACCESS EXCLUSIVE"
        case .constraintNotValid: "FOREIGN KEY or CHECK without NOT VALID, or VALIDATE in the transaction of the ADD"
        case .addPrimaryKey: "ADD PRIMARY KEY builds its index under ACCESS EXCLUSIVE"
        case .addUniqueConstraint: "ADD UNIQUE builds its index under ACCESS EXCLUSIVE"
        case .changeColumnType: "ALTER COLUMN … TYPE that is not binary-coercible: rewrites the table"
        case .renameColumn: "RENAME COLUMN breaks the running version of the app"
        case .renameTable: "RENAME a table breaks the running version of the app"
        case .dropColumn: "DROP COLUMN breaks the running version of the app if it still reads the column"
        case .dropTable: "DROP TABLE: data loss, and the running app may still use it"
        case .truncateCascade: "TRUNCATE … CASCADE empties every table that references it"
        case .vacuumFullOrCluster: "VACUUM FULL or CLUSTER: rewrites the table under ACCESS EXCLUSIVE"
        case .enumAddValueInTransaction: "ALTER TYPE … ADD VALUE in a transaction: fails before PostgreSQL 12"
        case .lockTimeoutDisabled: "lock_timeout or statement_timeout set to 0 around DDL: a blocked lock queues every query"
        case .syntaxError: "PostgreSQL's parser rejects the statement"
        case .invalidAllow: "-- prestart:allow without a reason, or naming a rule that does not exist"
        }
    }
}

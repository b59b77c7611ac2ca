/// `format = "…"` of a migrations step: whose folder layout, ledger table and lock the step follows.
public enum MigrationFormat: String, Sendable, CaseIterable {
    /// prestart's own: every `*.sql` file and executable, recorded only in `prestart_ledger`.
    case prestart
    case golangMigrate = "golang-migrate"
    case dbmate
    case goose
    case flyway
    case sqlx

    /// The formats this version reads, adopts and mirrors completely. The others are refused by the config loader
    /// rather than half supported: a folder read slightly differently from its tool would apply the wrong files.
    public static let supported: [MigrationFormat] = [.prestart, .golangMigrate, .dbmate, .goose, .sqlx, .flyway]

    /// The tool's ledger table when the step does not name one.
    var defaultTable: String {
        switch self {
        case .prestart: "prestart_ledger"
        case .golangMigrate, .dbmate: "schema_migrations"
        case .goose: "goose_db_version"
        case .flyway: "flyway_schema_history"
        case .sqlx: "_sqlx_migrations"
        }
    }

    /// What the tool does with a pending version lower than the highest applied one, by default. golang-migrate
    /// silently never runs it; prestart refuses instead of copying a silent skip.
    var appliesOutOfOrderByDefault: Bool {
        switch self {
        case .prestart, .dbmate, .sqlx: true
        case .golangMigrate, .goose, .flyway: false
        }
    }
}

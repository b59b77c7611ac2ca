/// The SQL dialect a connection speaks, which decides how ``SQLScript`` lexes a file and numbers its placeholders.
public enum SQLDialect: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// PostgreSQL through libpq: `$1` placeholders, dollar-quoted bodies, `E'…'` strings, nested block comments.
    case postgres
    /// SQLite through libsqlite3: `?1` placeholders, `[identifier]` and `` `identifier` ``, `CREATE TRIGGER … END`.
    case sqlite

    public var description: String {
        switch self {
        case .postgres: "PostgreSQL"
        case .sqlite: "SQLite"
        }
    }
}

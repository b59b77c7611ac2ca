/// A database URL that prestart cannot use. Every URL in it is redacted.
public enum DatabaseURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Neither a PostgreSQL nor a SQLite URL, nor a libpq keyword string.
    case unsupported(url: String)
    /// libpq's `PQconninfoParse` refused the connection string, for `reason`.
    case invalidPostgres(url: String, reason: String)
    /// A PostgreSQL URL, and libpq cannot be opened to read it (or connect): `reason` says what is missing.
    case libpqUnavailable(reason: String)
    /// `sqlite://` or `sqlite:///:memory:`.
    case sqliteInMemory(url: String)
    /// `sqlite://host/…`: SQLite has no host.
    case sqliteHost(url: String)
    /// A query option that would change how SQLite opens the file, which prestart does not do.
    case sqliteOption(url: String, option: String)

    static let acceptedForms =
        "prestart accepts postgresql://USER:PASSWORD@HOST:PORT/DATABASE (also postgres:// and SQLAlchemy's "
        + "postgresql+psycopg://, +psycopg2 and +asyncpg), a libpq keyword string such as "
        + "'host=/run/postgresql dbname=app', an empty value to let libpq use the PG* environment variables, "
        + "the service file and .pgpass, sqlite:///relative/path.db (relative to the config file's folder), "
        + "and sqlite:////absolute/path.db (also sqlite+aiosqlite://)."

    public var description: String {
        switch self {
        case .unsupported(let url):
            "The database URL '\(url)' is not a form prestart understands: \(Self.acceptedForms)"
        case .invalidPostgres(let url, let reason):
            "The PostgreSQL connection string '\(url)' is not valid: \(reason)."
        case .libpqUnavailable(let reason):
            "\(reason)."
        case .sqliteInMemory(let url):
            "The database URL '\(url)' names an in-memory SQLite database, which vanishes when prestart exits, so "
                + "nothing prestart did would reach the application; name a file, as sqlite:///relative/path.db "
                + "or sqlite:////absolute/path.db."
        case .sqliteHost(let url):
            "The database URL '\(url)' has a host part, which SQLite does not have; write sqlite:///relative/path.db "
                + "(three slashes) or sqlite:////absolute/path.db (four)."
        case .sqliteOption(let url, let option):
            "The SQLite URL '\(url)' sets '\(option)', which prestart does not apply: it always opens the file "
                + "read-write and creates it when missing; remove the option (prestart ignores only the Python "
                + "driver's check_same_thread, timeout, isolation_level, detect_types, cached_statements, uri and "
                + "factory)."
        }
    }
}

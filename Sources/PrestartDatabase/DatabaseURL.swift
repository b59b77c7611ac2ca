import PrestartSystem

/// Where the database is, in any of the forms the users' apps already hold.
///
/// PostgreSQL: `postgresql://` and `postgres://` URIs, SQLAlchemy's `postgresql+DRIVER://` (`+psycopg`, `+psycopg2`,
/// `+asyncpg`, …: the driver suffix is dropped), libpq keyword strings (`host=/run/postgresql dbname=app`), and the
/// empty string, with which libpq reads the `PG*` variables, the service file and `.pgpass`. libpq parses all of
/// them; ``parse(_:relativeTo:)`` only has `PQconninfoParse` check them up front, so a mistake is reported before
/// anything runs.
///
/// SQLite: `sqlite:///relative.db` (relative to the config file's folder), `sqlite:////absolute.db`,
/// `sqlite://./dev.db`, and the same with a driver (`sqlite+aiosqlite:///…`).
public enum DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    /// A libpq connection string: a URI without SQLAlchemy's driver suffix, a keyword string, or `""`.
    case postgres(conninfo: String)
    /// A file path, absolute when the folder it was resolved against was.
    case sqlite(path: String)

    /// Reads a database URL; a relative SQLite path is resolved against `directory` (the config file's folder).
    ///
    /// Leading and trailing whitespace is ignored: a value read from a secret file usually ends with a newline.
    ///
    /// An in-memory SQLite database (`sqlite://`, `sqlite:///:memory:`) is refused: it vanishes when prestart
    /// exits, so nothing prestart did would reach the application.
    public static func parse(_ text: String, relativeTo directory: String) throws(DatabaseURLError) -> DatabaseURL {
        let trimmed = trimmingWhitespace(text)
        if trimmed.isEmpty {
            return .postgres(conninfo: "")
        }
        guard let separator = trimmed.firstRange(of: "://") else {
            // libpq's rule: a connection string that is not a URI is keywords, and keywords have an `=`.
            guard trimmed.contains("=") else {
                throw .unsupported(url: redact(trimmed))
            }
            try validateConninfo(trimmed, original: trimmed)
            return .postgres(conninfo: trimmed)
        }
        let scheme = trimmed[..<separator.lowerBound].lowercased()
        let rest = String(trimmed[separator.upperBound...])
        let base: Substring
        let driver: Substring?
        if let plus = scheme.firstIndex(of: "+") {
            base = scheme[..<plus]
            driver = scheme[scheme.index(after: plus)...]
        } else {
            base = scheme[...]
            driver = nil
        }
        switch base {
        case "postgresql", "postgres":
            var conninfo = "\(base)://\(rest)"
            if driver == "asyncpg" {
                conninfo = translateAsyncpgOptions(conninfo)
            }
            try validateConninfo(conninfo, original: trimmed)
            return .postgres(conninfo: conninfo)
        case "sqlite":
            return .sqlite(path: try sqlitePath(rest, url: trimmed, relativeTo: directory))
        default:
            throw .unsupported(url: redact(trimmed))
        }
    }

    public var dialect: SQLDialect {
        switch self {
        case .postgres: .postgres
        case .sqlite: .sqlite
        }
    }

    /// The URL with every password replaced by `***`: safe for logs and reports.
    public var redacted: String {
        switch self {
        case .postgres(let conninfo): Self.redact(conninfo)
        case .sqlite: childProcessURL
        }
    }

    /// The passwords in the URL, raw as written and decoded, for a log masker to hide wherever they appear.
    public var secrets: [String] {
        switch self {
        case .postgres(let conninfo): Self.secrets(in: conninfo)
        case .sqlite: []
        }
    }

    /// The redacted form; for the empty conninfo, where libpq will look.
    public var description: String {
        if case .postgres("") = self {
            return "PostgreSQL as set by the PG* environment variables"
        }
        return redacted
    }

    /// The URL to hand to a child process as `DATABASE_URL`: the libpq connection string (driver suffix dropped)
    /// or `sqlite:///` followed by the path (so `sqlite:////abs.db` for an absolute one).
    ///
    /// - Important: It holds the password. Log ``redacted`` instead.
    public var childProcessURL: String {
        switch self {
        case .postgres(let conninfo): conninfo
        case .sqlite(let path): "sqlite:///\(path)"
        }
    }

    /// Connects to PostgreSQL within `timeout`, or opens the SQLite file with `timeout` as its busy timeout (with
    /// `readOnly`, an existing file only, read-only).
    public func connect(
        timeout: Duration,
        applicationName: String = "prestart",
        settings: [(name: String, value: String)] = [],
        readOnly: Bool = false
    ) throws(DatabaseError)
        -> any DatabaseConnection
    {
        switch self {
        case .postgres(let conninfo):
            try PostgresConnection.connect(
                conninfo: conninfo,
                connectTimeout: timeout,
                applicationName: applicationName,
                settings: settings
            )
        case .sqlite(let path):
            try SQLiteConnection.open(path: path, busyTimeout: timeout, readOnly: readOnly)
        }
    }
}

// MARK: - Parsing helpers

extension DatabaseURL {
    /// Options Python's sqlite3 driver and aiosqlite take from the URL; they mean nothing to prestart.
    private static let ignoredSQLiteOptions: Set<String> = [
        "check_same_thread", "timeout", "isolation_level", "detect_types", "cached_statements", "uri", "factory",
    ]

    private static func sqlitePath(
        _ rest: String,
        url: String,
        relativeTo directory: String
    ) throws(DatabaseURLError) -> String {
        var location = Substring(rest)
        if let question = rest.firstIndex(of: "?") {
            location = rest[..<question]
            for option in rest[rest.index(after: question)...].split(separator: "&") {
                let name = option.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
                guard ignoredSQLiteOptions.contains(name) else {
                    throw .sqliteOption(url: url, option: String(option))
                }
            }
        }
        let path: Substring
        if location.hasPrefix("/") {
            path = location.dropFirst()
        } else if location.hasPrefix("./") || location.hasPrefix("../") {
            path = location
        } else if location.isEmpty {
            throw .sqliteInMemory(url: url)
        } else {
            throw .sqliteHost(url: url)
        }
        if path.isEmpty || path == ":memory:" {
            throw .sqliteInMemory(url: url)
        }
        if path.hasPrefix("/") || directory.isEmpty {
            return String(path)
        }
        var relative = path
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return directory.hasSuffix("/") ? "\(directory)\(relative)" : "\(directory)/\(relative)"
    }

    /// asyncpg spells libpq's `sslmode` as `ssl`, with `true`/`false` too.
    private static func translateAsyncpgOptions(_ conninfo: String) -> String {
        guard let question = conninfo.firstIndex(of: "?") else { return conninfo }
        let options = conninfo[conninfo.index(after: question)...].split(separator: "&").map { option in
            guard option.hasPrefix("ssl=") else { return String(option) }
            let value = option.dropFirst(4)
            switch value.lowercased() {
            case "true": return "sslmode=require"
            case "false": return "sslmode=disable"
            default: return "sslmode=\(value)"
            }
        }
        return conninfo[...question] + options.joined(separator: "&")
    }

    /// Asks libpq whether it can read `conninfo`, without connecting or reading the environment.
    private static func validateConninfo(_ conninfo: String, original: String) throws(DatabaseURLError) {
        let pq: LibPQ
        switch LibPQ.library {
        case .success(let functions): pq = functions
        case .failure(let unavailable): throw .libpqUnavailable(reason: unavailable.message)
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = pq.conninfoParse(conninfo, &message) else {
            var reason = message.map { DatabaseError.oneLine(String(cString: $0)) } ?? "out of memory"
            if let message { pq.freemem(message) }
            // libpq quotes the whole URI in some of its messages: password included.
            for secret in secrets(in: conninfo).sorted(by: { $0.count > $1.count }) {
                reason = reason.replacing(secret, with: "***")
            }
            throw .invalidPostgres(url: redact(original), reason: reason)
        }
        pq.conninfoFree(options)
    }

    private static func trimmingWhitespace(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let first = text.firstIndex(where: { !isSpace($0) }),
            let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }
}

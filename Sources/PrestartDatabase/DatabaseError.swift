/// A failure reported by libpq or libsqlite3, keeping everything the database said.
///
/// PostgreSQL fills the fields from the error response (`PQresultErrorField`); SQLite fills ``sqliteResultCode`` with
/// the extended result code, and ``position`` from `sqlite3_error_offset()` when it points into the statement.
public struct DatabaseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed, which decides how a step reports it.
    public enum Kind: Sendable, Hashable {
        /// Could not connect or open, or the connection was lost: the database is not there (yet).
        case connection
        /// The database rejected a statement.
        case statement
        /// The request could not be sent as asked (a closed connection, a NUL byte in text, a missing parameter).
        case client
    }

    public var kind: Kind
    /// PostgreSQL's SQLSTATE (`42P01`).
    public var sqlstate: SQLState?
    /// `ERROR`, `FATAL`, `PANIC` (PostgreSQL's non-localized severity); nil for SQLite and client errors.
    public var severity: String?
    /// The primary message in the database's own words.
    public var message: String
    public var detail: String?
    public var hint: String?
    /// 1-based character offset into ``statement`` where the error was found; map it to a line of the file with
    /// ``SQLScript/Statement/location(ofPosition:)``.
    public var position: Int?
    /// The statement text that was sent (with placeholders, never values).
    public var statement: String?

    /// Where the error happened: PL/pgSQL call stack and similar (`PG_DIAG_CONTEXT`).
    public var context: String?
    /// The query that failed inside a function body, and the 1-based position in it.
    public var internalQuery: String?
    public var internalPosition: Int?
    public var schemaName: String?
    public var tableName: String?
    public var columnName: String?
    public var dataTypeName: String?
    public var constraintName: String?
    /// SQLite's extended result code.
    public var sqliteResultCode: SQLiteResultCode?
    /// The line in the script file, when the statement came from an ``SQLScript``.
    public var line: Int?
    /// Which statement of a ``DatabaseConnection/executeTransaction(_:)`` batch failed.
    public var batchIndex: Int?

    public init(
        kind: Kind,
        message: String,
        sqlstate: SQLState? = nil,
        sqliteResultCode: SQLiteResultCode? = nil,
        severity: String? = nil,
        detail: String? = nil,
        hint: String? = nil,
        position: Int? = nil,
        statement: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlstate = sqlstate
        self.sqliteResultCode = sqliteResultCode
        self.severity = severity
        self.detail = detail
        self.hint = hint
        self.position = position
        self.statement = statement
    }

    /// Whether running the transaction again may succeed: what ``SQLState/isTransient`` and
    /// ``SQLiteResultCode/isTransient`` say, and any failure of a PostgreSQL connection (refused, lost): a new
    /// attempt connects again.
    public var isTransient: Bool {
        if let sqliteResultCode { return sqliteResultCode.isTransient }
        return kind == .connection || sqlstate?.isTransient == true
    }

    /// One line: `ERROR 42P01: relation "nope" does not exist`, then the detail and hint when there are some.
    public var description: String {
        var text: String
        let code = sqlstate?.rawValue ?? sqliteResultCode?.description
        switch (severity, code) {
        case (let severity?, let code?): text = "\(severity) \(code): \(message)"
        case (nil, let code?): text = "\(code): \(message)"
        case (let severity?, nil): text = "\(severity): \(message)"
        case (nil, nil): text = message
        }
        if let detail, !detail.isEmpty { text += " Detail: \(detail)" }
        if let hint, !hint.isEmpty { text += " Hint: \(hint)" }
        return text
    }
}

extension DatabaseError {
    public static func client(_ message: String, statement: String? = nil) -> DatabaseError {
        DatabaseError(kind: .client, message: message, statement: statement)
    }

    /// Collapses a multi-line libpq message (`…failed: …\n\tIs the server running…`) into one trimmed line.
    static func oneLine(_ text: String) -> String {
        var result = ""
        var pendingSpace = false
        for character in text {
            if character.isNewline || character == "\t" || character == " " {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace { result.append(" ") }
            pendingSpace = false
            result.append(character)
        }
        return result
    }
}

import CSQLite
import Glibc
import Synchronization

/// A SQLite database file through libsqlite3.
///
/// Opened with `SQLITE_OPEN_NOMUTEX`: the connection's own lock already serializes every call, so SQLite's per-call
/// mutex would only be paid twice. Statements are prepared, run and finalized within one call.
public final class SQLiteConnection: DatabaseConnection {
    /// The `sqlite3 *`; nil once closed.
    private let handle: Mutex<OpaquePointer?>
    /// The same `sqlite3 *` for `cancel()`, behind a lock of its own: a running statement holds `handle`'s.
    private let interruptible: Mutex<InterruptHandle?>
    /// The file as given to `open`.
    public let path: String

    public var dialect: SQLDialect { .sqlite }

    private init(handle: sending OpaquePointer, path: String) {
        let interruptible = InterruptHandle(pointer: handle)
        self.handle = Mutex(handle)
        self.interruptible = Mutex(interruptible)
        self.path = path
    }

    deinit {
        close()
    }

    /// Opens `path`, creating its folder (like `mkdir -p`) and the file when missing.
    ///
    /// Turns on extended result codes (so a UNIQUE violation is `SQLITE_CONSTRAINT_UNIQUE`, not `SQLITE_CONSTRAINT`),
    /// `PRAGMA foreign_keys = ON` (SQLite's default is off, SQLAlchemy's models expect them), and a busy timeout:
    /// how long a statement waits for another connection's lock before failing with `SQLITE_BUSY`.
    ///
    /// `:memory:` opens a private in-memory database, gone when closed.
    ///
    /// With `readOnly`, the file must exist and is opened with `SQLITE_OPEN_READONLY`: nothing is created, not even
    /// the folder, so a typo in the path is an error naming it instead of a new empty database.
    public static func open(path: String, busyTimeout: Duration, readOnly: Bool = false) throws(DatabaseError)
        -> SQLiteConnection
    {
        guard !path.utf8.contains(0) else {
            throw DatabaseError(kind: .connection, message: "The SQLite path contains a NUL byte.")
        }
        if readOnly, path != ":memory:" {
            var info = stat()
            guard stat(path, &info) == 0 else {
                let reason = errno == ENOENT ? "no such file" : String(cString: strerror(errno))
                throw DatabaseError(
                    kind: .connection,
                    message: "there is no SQLite database at \(path) (\(reason)); check the path in the database URL")
            }
        } else if path != ":memory:" {
            try makeParentDirectories(of: path)
        }
        var opened: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        let flags = access | SQLITE_OPEN_NOMUTEX
        let code = sqlite3_open_v2(path, &opened, flags, nil)
        guard code == SQLITE_OK, let database = opened else {
            let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(opened)
            throw DatabaseError(
                kind: .connection, message: "\(message): \(path)", sqliteResultCode: SQLiteResultCode(rawValue: code))
        }
        sqlite3_extended_result_codes(database, 1)
        let (seconds, attoseconds) = busyTimeout.components
        sqlite3_busy_timeout(database, Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000))
        do throws(DatabaseError) {
            _ = try run("PRAGMA foreign_keys = ON", [], on: database)
        } catch {
            sqlite3_close_v2(database)
            throw error
        }
        return SQLiteConnection(handle: database, path: path)
    }

    /// `mkdir -p` of the folder that holds `path`.
    public static func makeParentDirectories(of path: String) throws(DatabaseError) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return }
        let folder = String(path[..<slash])
        var prefix = ""
        for (index, component) in folder.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            prefix += index == 0 ? String(component) : "/" + component
            guard !component.isEmpty, component != ".", component != ".." else { continue }
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw DatabaseError(
                    kind: .connection,
                    message: "could not create the folder \(prefix) for the SQLite database: "
                        + String(cString: strerror(errno))
                )
            }
        }
    }

    // MARK: Statements

    public func query(_ sql: String, _ parameters: [String?]) throws(DatabaseError) -> [[String?]] {
        try handle.withLock { (database) throws(DatabaseError) -> [[String?]] in
            guard let database else {
                throw .client("The SQLite database is already closed.", statement: sql)
            }
            return try Self.run(sql, parameters, on: database)
        }
    }

    public func execute(_ sql: String, _ parameters: [String?]) throws(DatabaseError) {
        _ = try query(sql, parameters)
    }

    public func begin() throws(DatabaseError) {
        try execute("BEGIN IMMEDIATE")
    }

    public func commit() throws(DatabaseError) {
        try execute("COMMIT")
    }

    public func rollback() {
        handle.withLock { database in
            guard let database, sqlite3_get_autocommit(database) == 0 else { return }
            _ = try? Self.run("ROLLBACK", [], on: database)
        }
    }

    public func executeTransaction(_ statements: [(sql: String, parameters: [String?])]) throws(DatabaseError) {
        try executeTransactionSequentially(statements)
    }

    /// Interrupts the running statement (`sqlite3_interrupt`, safe from any thread while the connection is
    /// open): it fails with `SQLITE_INTERRUPT`.
    public func cancel() {
        interruptible.withLock { database in
            if let database { sqlite3_interrupt(database.pointer) }
        }
    }

    public func close() {
        interruptible.withLock { $0 = nil }
        handle.withLock { database in
            if let open = database {
                // _v2: a statement left unfinalized cannot keep the file open behind our back.
                sqlite3_close_v2(open)
            }
            database = nil
        }
    }

    // MARK: libsqlite3 calls

    private static func run(
        _ sql: String,
        _ parameters: [String?],
        on database: OpaquePointer
    ) throws(DatabaseError) -> [[String?]] {
        // sqlite3_prepare stops at a NUL: the rest of the text would be silently ignored.
        guard !sql.utf8.contains(0) else {
            throw .client("The statement contains a NUL byte, which SQLite cannot read past.", statement: sql)
        }
        // withCString rethrows untyped errors: carry the typed one out in a Result.
        let outcome = sql.withCString { base in
            Result { () throws(DatabaseError) -> [[String?]] in try run(base, sql, parameters, on: database) }
        }
        return try outcome.get()
    }

    private static func run(
        _ base: UnsafePointer<CChar>,
        _ sql: String,
        _ parameters: [String?],
        on database: OpaquePointer
    ) throws(DatabaseError) -> [[String?]] {
        let end = base + sql.utf8.count
        var prepared: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let code = sqlite3_prepare_v2(database, base, Int32(clamping: sql.utf8.count), &prepared, &tail)
        guard code == SQLITE_OK else {
            throw failure(database, code: code, statement: sql, afterPrepare: true)
        }
        // Only whitespace or comments: SQLite gives no statement, PostgreSQL answers "empty query".
        guard let statement = prepared else { return [] }
        defer { sqlite3_finalize(statement) }
        if let tail, tail < end {
            try rejectSecondStatement(database, tail: tail, end: end, sql: sql)
        }
        try bind(parameters, to: statement, sql: sql)
        var rows: [[String?]] = []
        let columnCount = sqlite3_column_count(statement)
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return rows }
            guard step == SQLITE_ROW else {
                throw failure(database, code: step, statement: sql, afterPrepare: false)
            }
            var row: [String?] = []
            row.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if sqlite3_column_type(statement, column) == SQLITE_NULL {
                    row.append(nil)
                    continue
                }
                // text first, then bytes: the documented order, so the length is that of the UTF-8 form.
                let text = sqlite3_column_text(statement, column)
                let count = Int(sqlite3_column_bytes(statement, column))
                row.append(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
            }
            rows.append(row)
        }
    }

    /// PostgreSQL refuses several statements in one parameterized call; SQLite would silently run the first one
    /// only. Refuse too, so a script behaves the same on both.
    private static func rejectSecondStatement(
        _ database: OpaquePointer,
        tail: UnsafePointer<CChar>,
        end: UnsafePointer<CChar>,
        sql: String
    ) throws(DatabaseError) {
        var next: OpaquePointer?
        _ = sqlite3_prepare_v2(database, tail, Int32(end - tail), &next, nil)
        let isEmpty = next == nil && sqlite3_errcode(database) == SQLITE_OK
        sqlite3_finalize(next)
        guard isEmpty else {
            throw .client(
                "The text holds more than one statement; SQLite runs one per call (split it with SQLScript).",
                statement: sql
            )
        }
    }

    private static func bind(_ parameters: [String?], to statement: OpaquePointer, sql: String) throws(DatabaseError) {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard expected == parameters.count else {
            throw .client(
                "The statement has \(expected) placeholder(s) but \(parameters.count) value(s) were given.",
                statement: sql
            )
        }
        if let problem = placeholderProblem(statement) { throw .client(problem, statement: sql) }
        for (offset, parameter) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            if let parameter {
                code = parameter.withCString { text in
                    prestart_sqlite3_bind_text_transient(statement, index, text, Int32(clamping: parameter.utf8.count))
                }
            } else {
                code = sqlite3_bind_null(statement, index)
            }
            guard code == SQLITE_OK else {
                throw .client("Could not bind ?\(index): \(String(cString: sqlite3_errstr(code))).", statement: sql)
            }
        }
    }

    /// Why the values cannot be bound, when a parameter is not one of the `?1`…`?n` that ``SQLScript`` writes.
    ///
    /// SQLite also reads `$x`, `@x`, `:é` (any `:name` prestart does not take for a parameter) and a bare `?` as
    /// parameters, numbered among the `?N`: in `SELECT $x, ?1` both are parameter 1, and the value meant for
    /// `?1` would also go where the text says `$x`.
    static func placeholderProblem(_ statement: OpaquePointer) -> String? {
        let count = sqlite3_bind_parameter_count(statement)
        guard count > 0 else { return nil }
        for index in 1...count {
            let name = sqlite3_bind_parameter_name(statement, index).map { String(cString: $0) }
            guard name != "?\(index)" else { continue }
            return """
                SQLite reads \(name ?? "a bare ?") in the statement as a parameter, which prestart does not bind: \
                with params, write parameters as :name (letters, digits, _), and quote anything else.
                """
        }
        return nil
    }

    /// The error SQLite has just reported. After a failed prepare, `sqlite3_error_offset()` is a byte offset into
    /// the text, turned here into a 1-based character position like PostgreSQL's.
    private static func failure(
        _ database: OpaquePointer,
        code: Int32,
        statement: String,
        afterPrepare: Bool
    ) -> DatabaseError {
        // sqlite3_step's return value is the extended code already; prepare's may not be, the handle's is.
        let handleCode = sqlite3_extended_errcode(database)
        let extended = code & 0xFF == handleCode & 0xFF ? handleCode : code
        var position: Int?
        let offset = Int(sqlite3_error_offset(database))
        if afterPrepare, offset >= 0, offset <= statement.utf8.count {
            position = statement.utf8.prefix(offset).reduce(1) { $1 & 0xC0 == 0x80 ? $0 : $0 + 1 }
        }
        return DatabaseError(
            kind: .statement,
            message: String(cString: sqlite3_errmsg(database)),
            sqliteResultCode: SQLiteResultCode(rawValue: extended),
            position: position,
            statement: statement
        )
    }
}

/// The `sqlite3 *` as `sqlite3_interrupt` uses it: documented as safe from any thread while the connection is open.
private struct InterruptHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

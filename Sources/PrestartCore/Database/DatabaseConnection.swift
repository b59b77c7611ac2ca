/// One open session with PostgreSQL or SQLite.
///
/// - Important: Every call blocks (network round trips, lock waits, `busy_timeout`). Call them from a thread of
///   your own, never from a task on Swift's cooperative pool, which has only as many threads as cores.
///
/// A connection serializes its calls, so it may move between threads, but a transaction is a sequence of calls:
/// give one connection to one user at a time.
public protocol DatabaseConnection: AnyObject, Sendable {
    /// Runs one statement with positional parameters (`$1…` on PostgreSQL, `?1…` on SQLite, as ``SQLScript``
    /// writes them) and returns the rows as text, `nil` for NULL.
    ///
    /// Values are bound by the driver, never spliced into the text. One statement per call: split scripts with
    /// ``SQLScript``.
    func query(_ sql: String, _ parameters: [String?]) throws(DatabaseError) -> [[String?]]

    /// Like ``query(_:_:)``, discarding the rows.
    func execute(_ sql: String, _ parameters: [String?]) throws(DatabaseError)

    /// Starts a transaction (`BEGIN` on PostgreSQL; `BEGIN IMMEDIATE` on SQLite, so a writer takes the write lock
    /// up front, waits for it under the busy timeout, and cannot deadlock upgrading a read lock).
    func begin() throws(DatabaseError)

    /// Commits the transaction. Throws when the database rolled it back instead.
    func commit() throws(DatabaseError)

    /// Rolls back the transaction, if one is open. Best effort: after a lost connection there is nothing to roll
    /// back, and the server drops the transaction itself.
    func rollback()

    var dialect: SQLDialect { get }

    /// Asks the database to stop the statement running on this connection; the only call that does not wait
    /// for the connection's lock, so a timeout or a signal can reach a statement that runs for minutes.
    func cancel()

    /// Closes the connection; later calls throw a ``DatabaseError/Kind/client`` error. Closing twice is harmless.
    func close()
}

extension DatabaseConnection {
    public func query(_ sql: String) throws(DatabaseError) -> [[String?]] {
        try query(sql, [])
    }

    public func execute(_ sql: String) throws(DatabaseError) {
        try execute(sql, [])
    }

    /// Runs every statement of a script in order, binding `parameters` by name.
    ///
    /// Does not open a transaction: wrap the call in ``begin()`` / ``commit()`` when the script must be atomic. An
    /// error carries the file ``DatabaseError/line`` of the failing statement, at its ``DatabaseError/position``
    /// when the database gave one.
    public func execute(_ script: SQLScript, parameters: [String: String] = [:]) throws(DatabaseError) {
        precondition(script.dialect == dialect, "a \(script.dialect) script run on a \(dialect) connection")
        for statement in script.statements {
            let arguments: [String?]
            do {
                arguments = try statement.arguments(parameters)
            } catch {
                var failure = DatabaseError.client(error.description, statement: statement.text)
                failure.line = statement.firstTokenLine
                throw failure
            }
            do {
                try execute(statement.text, arguments)
            } catch var error {
                error.line = error.position.map { statement.line(ofPosition: $0) } ?? statement.firstTokenLine
                throw error
            }
        }
    }

    /// Runs one statement exactly as written (a `:name` in it is not a parameter): migration and schema files.
    /// An error carries the statement's line in the file.
    public func executeAsWritten(_ statement: SQLScript.Statement) throws(DatabaseError) {
        do {
            try execute(statement.originalText, [])
        } catch var error {
            // Positions count in the text as sent; with `:name` tokens present that differs from `text`.
            error.line =
                statement.parameterNames.isEmpty
                ? error.position.map { statement.line(ofPosition: $0) } ?? statement.firstTokenLine
                : statement.firstTokenLine
            throw error
        }
    }
}

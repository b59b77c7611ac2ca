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

    /// Runs `statements` as one transaction: all committed, or none (then the error's `batchIndex` says which
    /// failed, and the transaction is rolled back). PostgreSQL sends the whole batch in one round trip
    /// (pipeline mode); a round trip is most of what a small migration costs.
    func executeTransaction(_ statements: [(sql: String, parameters: [String?])]) throws(DatabaseError)

    /// Asks the database to stop the statement running on this connection; the only call that does not wait
    /// for the connection's lock, so a timeout or a signal can reach a statement that runs for minutes.
    func cancel()

    /// Closes the connection; later calls throw a ``DatabaseError/Kind/client`` error. Closing twice is harmless.
    func close()
}

extension DatabaseConnection {
    /// One statement after another between BEGIN and COMMIT.
    public func executeTransactionSequentially(
        _ statements: [(sql: String, parameters: [String?])]
    ) throws(DatabaseError) {
        try begin()
        for (index, statement) in statements.enumerated() {
            do {
                try execute(statement.sql, statement.parameters)
            } catch var error {
                rollback()
                error.batchIndex = index
                throw error
            }
        }
        try commit()
    }

    public func query(_ sql: String) throws(DatabaseError) -> [[String?]] {
        try query(sql, [])
    }

    public func execute(_ sql: String) throws(DatabaseError) {
        try execute(sql, [])
    }

    /// Runs every statement of a script in order: bound by name with `parameters`, exactly as written (a
    /// `:name` in the text is then not a parameter) with `nil`.
    ///
    /// Does not open a transaction: use ``executeTransaction(_:)`` with ``SQLScript/bound(_:)`` when the script
    /// must be atomic. An error carries the file ``DatabaseError/line`` of the failing statement, at its
    /// ``DatabaseError/position`` when the database gave one.
    public func execute(_ script: SQLScript, parameters: [String: String]?) throws(DatabaseError) {
        precondition(script.dialect == dialect, "a \(script.dialect) script run on a \(dialect) connection")
        for (index, statement) in try script.bound(parameters).enumerated() {
            do {
                try execute(statement.sql, statement.parameters)
            } catch var error {
                error.batchIndex = index
                throw error.located(in: script, asWritten: parameters == nil)
            }
        }
    }

    /// Runs one statement exactly as written (a `:name` in it is not a parameter): migration and schema files.
    /// An error carries the statement's line in the file.
    public func executeAsWritten(_ statement: SQLScript.Statement) throws(DatabaseError) {
        do {
            try execute(statement.originalText, [])
        } catch {
            throw error.located(at: statement, asWritten: true)
        }
    }
}

extension DatabaseError {
    /// The error with `line` set to where it happened in `statement`'s file: at the server's position when
    /// the text sent was the text mapped (`asWritten` sends the original, whose `:name` tokens the mapping
    /// would count as rewritten), else at the statement's first token.
    public func located(at statement: SQLScript.Statement, asWritten: Bool) -> DatabaseError {
        var error = self
        let mappable = !asWritten || statement.parameterNames.isEmpty
        error.line = (mappable ? position.map { statement.line(ofPosition: $0) } : nil) ?? statement.firstTokenLine
        return error
    }

    /// For a failed ``DatabaseConnection/executeTransaction(_:)`` of `script`'s statements: located at the
    /// failed statement (an error after the last, at COMMIT or in a row appended to the batch, has no line).
    public func located(in script: SQLScript, asWritten: Bool) -> DatabaseError {
        guard let index = batchIndex, script.statements.indices.contains(index) else { return self }
        return located(at: script.statements[index], asWritten: asWritten)
    }
}

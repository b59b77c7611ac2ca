import CLibPQ
import Glibc
import Synchronization
import PrestartSystem

/// A PostgreSQL session through libpq.
///
/// Every call holds the connection's lock while it talks to the server, so the object is `Sendable` without
/// `@unchecked`: libpq allows a `PGconn` on any thread, one at a time.
public final class PostgresConnection: DatabaseConnection {
    /// The `PGconn *`; nil once closed.
    private let handle: Mutex<OpaquePointer?>
    /// The `PGcancel *` for `cancel()`, kept apart from `handle`, whose lock a running statement holds.
    private let canceller: Mutex<CancelHandle?>
    private let notices: NoticeBuffer
    private let pq: LibPQ

    public var dialect: SQLDialect { .postgres }

    private init(handle: sending OpaquePointer, notices: NoticeBuffer, pq: LibPQ) {
        let canceller = pq.getCancel(handle).map(CancelHandle.init)
        self.handle = Mutex(handle)
        self.canceller = Mutex(canceller)
        self.notices = notices
        self.pq = pq
    }

    deinit {
        close()
    }

    /// Connects, giving up when `connectTimeout` has passed.
    ///
    /// `conninfo` is anything libpq reads: a `postgresql://` URI, a `key=value` string, or `""` for the `PG*`
    /// variables, the service file and `.pgpass`. It goes in `dbname` with `expand_dbname = 1`;
    /// `application_name`, `connect_timeout` and `client_encoding = UTF8` come after it and so win over the same
    /// keys in `conninfo` (prestart should be named `prestart` in `pg_stat_activity`, its deadline must hold, and
    /// error positions are counted in UTF-8 characters).
    ///
    /// The deadline is enforced here with `PQconnectPoll` and `poll(2)`, to the millisecond: libpq's own
    /// `connect_timeout` has whole seconds, a minimum of 2, and is not applied to non-blocking connects.
    ///
    /// - Important: Blocks the calling thread until connected, refused or timed out. A host name is resolved by
    ///   `getaddrinfo` inside libpq, which the deadline cannot interrupt; a slow DNS server can exceed it.
    ///
    /// `settings` become libpq's `options` (`-c name=value`), so they hold from the session's first statement
    /// without a round trip of their own; they replace any `options` in `conninfo`.
    public static func connect(
        conninfo: String,
        connectTimeout: Duration,
        applicationName: String = "prestart",
        settings: [(name: String, value: String)] = []
    ) throws(DatabaseError) -> PostgresConnection {
        let deadline = ContinuousClock.now.advanced(by: connectTimeout)
        let wholeSeconds = connectTimeout.components.seconds + (connectTimeout.components.attoseconds > 0 ? 1 : 0)
        // Keepalives before `dbname`, so the same keys in `conninfo` win: see `deadServerKeepalives`.
        var keywords = Self.deadServerKeepalives.map(\.name)
            + ["dbname", "application_name", "connect_timeout", "client_encoding"]
        var values = Self.deadServerKeepalives.map(\.value)
            + [conninfo, applicationName, String(max(2, wholeSeconds)), "UTF8"]
        if !settings.isEmpty {
            keywords.append("options")
            values.append(settings.map { "-c \($0.name)=\(optionEscaped($0.value))" }.joined(separator: " "))
        }
        for value in values where value.utf8.contains(0) {
            throw .client("The connection settings contain a NUL byte, which libpq cannot read.")
        }
        let pq = try LibPQ.load()
        // Before `dbname` too, though it is only added when `conninfo` has no sslmode of its own.
        if let sslmode = loopbackSSLMode(for: conninfo, pq) {
            keywords.insert(sslmode.name, at: 0)
            values.insert(sslmode.value, at: 0)
        }
        let started: OpaquePointer? = withCStringArray(keywords) { keywords in
            withCStringArray(values) { values in
                pq.connectStartParams(keywords, values, 1)
            }
        }
        guard let connection = started else {
            throw DatabaseError(kind: .connection, message: "libpq could not allocate a connection (out of memory).")
        }
        // Before the first poll: a server may send a notice during start-up, and libpq's default prints it.
        let notices = NoticeBuffer(resultErrorField: pq.resultErrorField)
        _ = pq.setNoticeReceiver(connection, noticeReceiver, Unmanaged.passUnretained(notices).toOpaque())
        // A failed connection has no PGresult, so `PQresultErrorField` cannot give the server's SQLSTATE (28P01,
        // 28000, …), and libpq 15 has no other call that does. It does write the SQLSTATE into the error message
        // in verbose mode (`FATAL:  28P01: password authentication failed …`): `connectionFailure` reads it
        // from there and gives the message back in its default form. The server's code, not its words, which
        // change with `lc_messages` and between authentication methods (peer, ident, cert, a missing role).
        _ = pq.setErrorVerbosity(connection, PQERRORS_VERBOSE)
        do throws(DatabaseError) {
            try poll(connection, until: deadline, timeout: connectTimeout, pq)
        } catch {
            pq.finish(connection)
            throw error
        }
        _ = pq.setErrorVerbosity(connection, PQERRORS_DEFAULT)
        return PostgresConnection(handle: connection, notices: notices, pq: pq)
    }

    /// How prestart notices, over TCP, a server that went silent (its host died, the network dropped it): without
    /// these a call waiting for an answer waits on the operating system's defaults, two hours before the first
    /// keepalive probe, or a quarter of an hour of retransmissions for a query not yet acknowledged. With them the
    /// call fails after about 25 s of silence either way (probes after 10 s idle, every 5 s; `tcp_user_timeout`,
    /// which Linux also applies to the probes), and the step says so. Keys in the database URL win over these.
    public static let deadServerKeepalives: [(name: String, value: String)] = [
        ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "25000"),
    ]

    /// libpq splits `options` at spaces; a backslash keeps a space or backslash in the value.
    private static func optionEscaped(_ value: String) -> String {
        value.replacing("\\", with: "\\\\").replacing(" ", with: "\\ ")
    }

    private static func poll(
        _ connection: OpaquePointer,
        until deadline: ContinuousClock.Instant,
        timeout: Duration,
        _ pq: LibPQ
    ) throws(DatabaseError) {
        guard pq.status(connection) != CONNECTION_BAD else {
            throw connectionFailure(connection, pq)
        }
        // libpq: "just after PQconnectStart, behave as if PQconnectPoll last returned PGRES_POLLING_WRITING".
        var status = PGRES_POLLING_WRITING
        while true {
            switch status {
            case PGRES_POLLING_OK:
                return
            case PGRES_POLLING_FAILED:
                throw connectionFailure(connection, pq)
            default:
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else {
                    throw timedOut(connection, after: timeout, pq)
                }
                let events = status == PGRES_POLLING_READING ? Int16(POLLIN) : Int16(POLLOUT)
                // The socket may change between polls: libpq moves on to the next host or address on failure.
                var descriptor = pollfd(fd: pq.socket(connection), events: events, revents: 0)
                let ready = Glibc.poll(&descriptor, 1, milliseconds(rounding: remaining))
                if ready == 0 {
                    throw timedOut(connection, after: timeout, pq)
                }
                if ready < 0 {
                    guard errno == EINTR else {
                        throw DatabaseError(
                            kind: .connection,
                            message: "poll() failed while connecting: \(String(cString: strerror(errno))).")
                    }
                    continue
                }
            }
            status = pq.connectPoll(connection)
        }
    }

    private static func connectionFailure(_ connection: OpaquePointer, _ pq: LibPQ) -> DatabaseError {
        let (text, sqlstate) = serverSQLState(inVerbose: LibPQ.text(pq.errorMessage(connection)))
        var message = DatabaseError.oneLine(text)
        if message.isEmpty { message = "could not connect to the database server" }
        return DatabaseError(kind: .connection, message: message, sqlstate: sqlstate)
    }

    /// The SQLSTATE of the last server error in a verbose libpq message (`FATAL:  28P01: …`), and the message as
    /// libpq's default verbosity words it: without the code and the `LOCATION:` line. libpq's own failures
    /// (refused, timed out) carry no code.
    static func serverSQLState(inVerbose text: String) -> (message: String, sqlstate: SQLState?) {
        var sqlstate: SQLState?
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("LOCATION:  ") { continue }
            var line = line
            for severity in ["FATAL:  ", "ERROR:  ", "PANIC:  "] {
                guard let range = line.firstRange(of: severity) else { continue }
                let rest = line[range.upperBound...]
                let code = rest.prefix(5)
                guard code.count == 5, rest.dropFirst(5).hasPrefix(": "),
                    code.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isUppercase) })
                else { continue }
                sqlstate = SQLState(rawValue: String(code))
                line = line[..<range.upperBound] + rest.dropFirst(7)
                break
            }
            lines.append(line)
        }
        return (lines.joined(separator: "\n"), sqlstate)
    }

    /// Worded as libpq words its own timeout: `connection to server at "db" (10.0.0.5), port 5432 failed: timeout
    /// expired`, with the wait added.
    private static func timedOut(_ connection: OpaquePointer, after timeout: Duration, _ pq: LibPQ) -> DatabaseError {
        // libpq has already written the "connection to server … failed:" prefix of the attempt in progress.
        let attempts = DatabaseError.oneLine(LibPQ.text(pq.errorMessage(connection)))
        let milliseconds = timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000
        let expired = "timeout expired after \(milliseconds) ms"
        let message =
            if attempts.isEmpty {
                "connection to the database server failed: \(expired)"
            } else if attempts.hasSuffix(":") {
                "\(attempts) \(expired)"
            } else {
                "\(attempts); then \(expired)"
            }
        return DatabaseError(kind: .connection, message: message)
    }

    private static func milliseconds(rounding duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(1, milliseconds))
    }

    // MARK: Statements

    public func query(_ sql: String, _ parameters: [String?]) throws(DatabaseError) -> [[String?]] {
        try handle.withLock { (connection) throws(DatabaseError) -> [[String?]] in
            try run(sql, parameters, on: connection).rows
        }
    }

    public func execute(_ sql: String, _ parameters: [String?]) throws(DatabaseError) {
        _ = try handle.withLock { (connection) throws(DatabaseError) -> [[String?]] in
            try run(sql, parameters, on: connection).rows
        }
    }

    public func begin() throws(DatabaseError) {
        try execute("BEGIN")
    }

    /// Sends `sql` as one simple-query string (`PQexec`), as other migration tools send a file: several statements
    /// in it run as one implicit transaction unless it has its own BEGIN and COMMIT, and a lone
    /// `CREATE INDEX CONCURRENTLY` runs outside any. No parameters; the rows are discarded.
    public func executeSimpleQuery(_ sql: String) throws(DatabaseError) {
        try handle.withLock { (connection) throws(DatabaseError) in
            guard let connection else { throw .client("The database connection is already closed.", statement: sql) }
            guard !sql.utf8.contains(0) else {
                throw .client("The statement contains a NUL byte, which PostgreSQL cannot receive.", statement: sql)
            }
            guard let result = pq.exec(connection, sql) else {
                throw failure(result: nil, connection: connection, statement: sql)
            }
            defer { pq.clear(result) }
            let status = pq.resultStatus(result)
            switch status {
            case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                return
            case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
                abandonCopy(connection, status: status)
                throw .client("COPY FROM STDIN and COPY TO STDOUT need a data stream, which prestart does not provide.", statement: sql)
            default:
                throw failure(result: result, connection: connection, statement: sql)
            }
        }
    }

    public func commit() throws(DatabaseError) {
        let tag = try handle.withLock { (connection) throws(DatabaseError) -> String in
            try run("COMMIT", [], on: connection).commandTag
        }
        // COMMIT of a transaction in which a statement failed succeeds with the tag ROLLBACK: say so.
        if tag == "ROLLBACK" {
            throw DatabaseError(
                kind: .statement,
                message: "the transaction was rolled back, not committed, because a statement in it had failed",
                sqlstate: .inFailedSQLTransaction,
                statement: "COMMIT"
            )
        }
    }

    public func rollback() {
        handle.withLock { connection in
            guard let connection else { return }
            let status = pq.transactionStatus(connection)
            guard status == PQTRANS_INTRANS || status == PQTRANS_INERROR else { return }
            pq.clear(pq.exec(connection, "ROLLBACK"))
        }
    }

    /// Sets a run-time parameter for the session (`[database] settings`), as `SELECT set_config($1, $2, false)`:
    /// the name and value are bound, never spliced.
    public func setParameter(_ name: String, _ value: String) throws(DatabaseError) {
        try execute("SELECT set_config($1, $2, false)", [name, value])
    }

    /// The server's version as libpq reports it, e.g. 150004 for 15.4; 0 when closed.
    public var serverVersion: Int {
        handle.withLock { connection in connection.map { Int(pq.serverVersion($0)) } ?? 0 }
    }

    /// The notices and warnings the server sent since the last call (`NOTICE: relation "t" already exists,
    /// skipping`), oldest first; at most the last 100. libpq would print them on stderr; prestart keeps them for its
    /// log instead.
    public func takeNotices() -> [String] {
        notices.take()
    }

    /// BEGIN, the statements and COMMIT in pipeline mode: sent together, answered together. After the first
    /// error the server skips the rest (they come back `PGRES_PIPELINE_ABORTED`), so nothing after it runs.
    public func executeTransaction(_ statements: [(sql: String, parameters: [String?])]) throws(DatabaseError) {
        // A long batch in blocking mode could fill both socket buffers and stall; a migration file is short.
        guard statements.count <= 200 else {
            try executeTransactionSequentially(statements)
            return
        }
        let batch = [("BEGIN", [String?]())] + statements.map { ($0.sql, $0.parameters) } + [("COMMIT", [])]
        for (sql, parameters) in batch where sql.utf8.contains(0) || parameters.contains(where: { $0?.utf8.contains(0) == true }) {
            throw .client("A statement or value contains a NUL byte, which PostgreSQL text cannot hold.", statement: sql)
        }
        try handle.withLock { (connection) throws(DatabaseError) in
            guard let connection else { throw .client("The database connection is already closed.") }
            guard pq.enterPipelineMode(connection) == 1 else {
                throw failure(result: nil, connection: connection, statement: "BEGIN")
            }
            defer { _ = pq.exitPipelineMode(connection) }
            for (sql, parameters) in batch {
                let sent = withOptionalCStringArray(parameters) { values in
                    pq.sendQueryParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
                }
                guard sent == 1 else { throw failure(result: nil, connection: connection, statement: sql) }
            }
            guard pq.pipelineSync(connection) == 1 else {
                throw failure(result: nil, connection: connection, statement: "COMMIT")
            }
            var index = 0
            var firstError: DatabaseError?
            var committed = false
            // Each statement's results end with a NULL; the batch ends with the sync's result.
            while true {
                guard let result = pq.getResult(connection) else {
                    index += 1
                    if index > batch.count { break }
                    continue
                }
                let status = pq.resultStatus(result)
                if status == PGRES_PIPELINE_SYNC {
                    pq.clear(result)
                    break
                }
                if status == PGRES_FATAL_ERROR, firstError == nil {
                    var error = failure(result: result, connection: connection, statement: batch[min(index, batch.count - 1)].0)
                    error.batchIndex = index - 1  // BEGIN is not the caller's
                    firstError = error
                }
                if index == batch.count - 1, status == PGRES_COMMAND_OK {
                    committed = LibPQ.text(pq.cmdStatus(result)) == "COMMIT"
                }
                pq.clear(result)
            }
            if let firstError {
                // The COMMIT was skipped: the failed transaction is still open until rolled back, which takes
                // leaving pipeline mode first (every result is read by now).
                _ = pq.exitPipelineMode(connection)
                if let rollback = pq.exec(connection, "ROLLBACK") { pq.clear(rollback) }
                throw firstError
            }
            guard committed else {
                throw DatabaseError(
                    kind: .statement, message: "The transaction was rolled back instead of committed.", sqlstate: .inFailedSQLTransaction,
                    statement: "COMMIT")
            }
        }
    }

    /// Waits until a notification arrives on a channel the session `LISTEN`s to, or until `timeout` has passed;
    /// true when at least one came (all that came are consumed). False at once when the session is closed or broken:
    /// the caller's next statement then says why.
    public func waitForNotification(timeout: Duration) -> Bool {
        handle.withLock { connection in
            guard let connection else { return false }
            func drain() -> Bool {
                var any = false
                while let notification = pq.notifies(connection) {
                    pq.freemem(notification)
                    any = true
                }
                return any
            }
            if drain() { return true }
            var descriptor = pollfd(fd: pq.socket(connection), events: Int16(POLLIN), revents: 0)
            guard descriptor.fd >= 0 else { return false }
            let clock = ContinuousClock()
            let deadline = clock.now + timeout
            while clock.now < deadline {
                let ready = Glibc.poll(&descriptor, 1, Self.milliseconds(rounding: deadline - clock.now))
                if ready < 0 && errno == EINTR { continue }
                guard ready > 0, pq.consumeInput(connection) == 1 else { return false }
                if drain() { return true }
            }
            return false
        }
    }

    /// Sends a cancel request for the running statement (`PQcancel`, safe from any thread): the statement
    /// fails with SQLSTATE 57014 and its transaction is rolled back.
    public func cancel() {
        canceller.withLock { canceller in
            guard let canceller else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = pq.cancel(canceller.pointer, &buffer, Int32(buffer.count))
        }
    }

    /// Sends `sql` and ends the session without waiting for the answer, saving the client a round trip.
    ///
    /// - Important: The server still runs the statement and commits it: libpq sends it with its Sync in one write,
    ///   the server executes and commits at that Sync, and only then reads the Terminate behind it (or finds the
    ///   socket closed while sending the answer, when the commit is already done). Only the result, and any error,
    ///   go unread: use it for a last statement whose outcome changes nothing for the caller.
    public func sendAndClose(_ sql: String, _ parameters: [String?]) {
        handle.withLock { connection in
            guard let connection, !sql.utf8.contains(0), !parameters.contains(where: { $0?.utf8.contains(0) == true })
            else { return }
            _ = withOptionalCStringArray(parameters) { values in
                pq.sendQueryParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        close()
    }

    public func close() {
        canceller.withLock { canceller in
            if let open = canceller { pq.freeCancel(open.pointer) }
            canceller = nil
        }
        handle.withLock { connection in
            if let open = connection {
                pq.finish(open)
            }
            connection = nil
        }
    }

    // MARK: libpq calls

    private struct Outcome {
        var rows: [[String?]]
        var commandTag: String
    }

    private func run(
        _ sql: String,
        _ parameters: [String?],
        on connection: OpaquePointer?
    ) throws(DatabaseError) -> Outcome {
        guard let connection else {
            throw .client("The database connection is already closed.", statement: sql)
        }
        guard !sql.utf8.contains(0) else {
            throw .client("The statement contains a NUL byte, which PostgreSQL cannot receive.", statement: sql)
        }
        for (index, parameter) in parameters.enumerated() where parameter?.utf8.contains(0) == true {
            throw .client(
                "The value of parameter $\(index + 1) contains a NUL byte, which PostgreSQL text cannot hold.",
                statement: sql
            )
        }
        guard parameters.count <= Int(Int32.max) else {
            throw .client("Too many parameters for one statement.", statement: sql)
        }
        let result: OpaquePointer? = withOptionalCStringArray(parameters) { values in
            pq.execParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else {
            throw failure(result: nil, connection: connection, statement: sql)
        }
        defer { pq.clear(result) }
        let status = pq.resultStatus(result)
        switch status {
        case PGRES_TUPLES_OK, PGRES_SINGLE_TUPLE:
            return Outcome(rows: rows(of: result), commandTag: LibPQ.text(pq.cmdStatus(result)))
        case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Outcome(rows: [], commandTag: LibPQ.text(pq.cmdStatus(result)))
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            abandonCopy(connection, status: status)
            throw .client(
                "COPY FROM STDIN and COPY TO STDOUT need a data stream, which prestart does not provide; "
                    + "use INSERT, or COPY with a file on the server.",
                statement: sql
            )
        default:
            throw failure(result: result, connection: connection, statement: sql)
        }
    }

    /// Leaves the COPY sub-protocol so the connection can be used again.
    private func abandonCopy(_ connection: OpaquePointer, status: ExecStatusType) {
        if status == PGRES_COPY_IN {
            _ = pq.putCopyEnd(connection, "prestart does not send COPY data")
        } else if status == PGRES_COPY_OUT {
            var buffer: UnsafeMutablePointer<CChar>?
            while pq.getCopyData(connection, &buffer, 0) >= 0 {
                if let buffer { pq.freemem(buffer) }
                buffer = nil
            }
        }
        while let next = pq.getResult(connection) {
            pq.clear(next)
        }
    }

    private func rows(of result: OpaquePointer) -> [[String?]] {
        let rowCount = pq.ntuples(result)
        let columnCount = pq.nfields(result)
        var rows: [[String?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if pq.getisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let bytes = UnsafeRawBufferPointer(
                        start: pq.getvalue(result, row, column),
                        count: Int(pq.getlength(result, row, column))
                    )
                    values.append(String(decoding: bytes, as: UTF8.self))
                }
            }
            rows.append(values)
        }
        return rows
    }

    private func failure(result: OpaquePointer?, connection: OpaquePointer, statement: String) -> DatabaseError {
        func field(_ code: Unicode.Scalar) -> String? {
            guard let result, let value = pq.resultErrorField(result, Int32(UInt8(ascii: code))) else { return nil }
            return String(cString: value)
        }
        let lost = pq.status(connection) == CONNECTION_BAD
        let sqlstate = field("C")
        var message = field("M")
        if message == nil, let result {
            message = DatabaseError.oneLine(LibPQ.text(pq.resultErrorMessage(result)))
        }
        if message?.isEmpty ?? true {
            message = DatabaseError.oneLine(LibPQ.text(pq.errorMessage(connection)))
        }
        // A lost connection is the connection's failure, whatever statement was running when it went.
        let kind: DatabaseError.Kind = lost || sqlstate?.hasPrefix("08") == true ? .connection : .statement
        var error = DatabaseError(
            kind: kind,
            message: message ?? "the statement failed without a message",
            sqlstate: sqlstate.map(SQLState.init(rawValue:)),
            severity: field("V") ?? field("S"),
            detail: field("D"),
            hint: field("H"),
            position: field("P").flatMap { Int($0) },
            statement: statement
        )
        error.context = field("W")
        error.internalQuery = field("q")
        error.internalPosition = field("p").flatMap { Int($0) }
        error.schemaName = field("s")
        error.tableName = field("t")
        error.columnName = field("c")
        error.dataTypeName = field("d")
        error.constraintName = field("n")
        return error
    }
}

// MARK: - Notices

/// Where the notice receiver puts what the server says; its own lock, because libpq calls the receiver while the
/// connection's lock is held.
private final class NoticeBuffer: Sendable {
    private let notices = Mutex<[String]>([])
    private static let limit = 100
    /// The receiver is a C function with no context of its own but this buffer: it reads the notice's fields with
    /// the library's function from here.
    let resultErrorField: @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?

    init(resultErrorField: @escaping @convention(c) (OpaquePointer?, Int32) -> UnsafeMutablePointer<CChar>?) {
        self.resultErrorField = resultErrorField
    }

    func append(_ notice: String) {
        notices.withLock { notices in
            if notices.count == Self.limit { notices.removeFirst() }
            notices.append(notice)
        }
    }

    func take() -> [String] {
        notices.withLock { notices in
            defer { notices = [] }
            return notices
        }
    }
}

/// Replaces libpq's default receiver, which prints every NOTICE on stderr.
private let noticeReceiver: PQnoticeReceiver = { context, result in
    guard let context, let result else { return }
    let buffer = Unmanaged<NoticeBuffer>.fromOpaque(context).takeUnretainedValue()
    let severity = buffer.resultErrorField(result, Int32(UInt8(ascii: "V"))).map { String(cString: $0) } ?? "NOTICE"
    let message = buffer.resultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? ""
    buffer.append("\(severity): \(message)")
}

// MARK: - C strings

/// Calls `body` with a C array of NUL-terminated copies of `strings`, freed afterwards.
private func withCStringArray<Result>(
    _ strings: [String],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    withOptionalCStringArray(strings.map { Optional($0) }, body)
}

/// Same, with nil (SQL NULL) kept as a null pointer, plus a final null entry, as libpq's keyword arrays need.
private func withOptionalCStringArray<Result>(
    _ strings: [String?],
    _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    var pointers: [UnsafePointer<CChar>?] = strings.map { string in
        string.map { UnsafePointer(strdup($0)!) }
    }
    pointers.append(nil)
    defer {
        for pointer in pointers {
            free(UnsafeMutablePointer(mutating: pointer))
        }
    }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

/// A `PGcancel *`: libpq documents `PQcancel` as safe to call from any thread.
private struct CancelHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

import Glibc
import Synchronization
import PrestartSystem

/// The connections of one run. A wait step's successful connection is handed on to the steps after it, so a
/// warm start costs one connect, not one per step.
///
/// A connection is used by one step at a time: `withConnection` checks one out and back in.
public final class ConnectionPool: Sendable {
    public let url: DatabaseURL
    public let settings: [(name: String, value: String)]
    private let applicationName: String
    /// For read-only commands: SQLite files are opened read-only and never created, PostgreSQL sessions default to
    /// read-only transactions.
    public let readOnly: Bool
    private let idle = Mutex<[any DatabaseConnection]>([])
    /// Whether ``deadClientCheckInterval`` still goes in the start-up packet: false once a server refused it.
    private let checkIntervalAtStartup = Atomic<Bool>(true)
    var sendsOptionalParameterAtStartup: Bool { checkIntervalAtStartup.load(ordering: .relaxed) }

    /// How long a step waits to connect (PostgreSQL) or for a lock (SQLite's busy timeout).
    public static let connectTimeout: Duration = .seconds(10)

    /// Every PostgreSQL session waits at most this long for a lock unless `[database] settings` say
    /// otherwise: a migration's `ALTER TABLE` queued behind a long transaction would otherwise queue every
    /// reader of that table behind itself, for as long as it waits.
    public static let defaultLockTimeout = "10s"

    public init(url: DatabaseURL, settings: [(name: String, value: String)], readOnly: Bool = false) {
        self.url = url
        self.readOnly = readOnly
        var settings = settings
        if url.dialect == .postgres {
            for (name, value) in [("lock_timeout", Self.defaultLockTimeout)] + Self.deadClientKeepalives
            where !settings.contains(where: { $0.name == name }) {
                settings.append((name, value))
            }
            if readOnly { settings.append(("default_transaction_read_only", "on")) }
        }
        self.settings = settings
        self.applicationName = "prestart \(Self.hostName):\(getpid())"
    }

    deinit {
        for connection in idle.withLock({ $0 }) { connection.close() }
    }

    /// How soon the server notices that a client over TCP went silent (its host died, the network dropped it):
    /// keepalive probes after 10 s idle, every 5 s, 3 unanswered, instead of the operating system's two hours. A
    /// replica lost that way holds the migration lock on an idle session, which the server then ends within about
    /// 25 s instead of leaving every other replica to time out for two hours. Known to every PostgreSQL version;
    /// ignored on Unix sockets. `[database] settings` override them.
    public static let deadClientKeepalives = [
        ("tcp_keepalives_idle", "10"), ("tcp_keepalives_interval", "5"), ("tcp_keepalives_count", "3"),
    ]

    /// How often a PostgreSQL 14+ server checks, while one of prestart's statements runs, that prestart is still
    /// there (`client_connection_check_interval`), unless `[database] settings` say otherwise.
    ///
    /// Without it the server finishes a statement whose client was killed: a `kill -9`ed replica's ten-minute
    /// migration would keep its session, and with it the migration lock, for the full ten minutes while every
    /// other replica waits. With it the server ends that session within a second and the lock is free; the
    /// statement's transaction is rolled back and the next replica applies the unit.
    ///
    /// It goes in the start-up packet's `options` with the other settings, so it costs no round trip of its own
    /// (set after connecting, it was one of the warm start's turns). A server that does not know it (older than
    /// 14, or a PostgreSQL-compatible one) refuses the connection with FATAL 42704 naming it; prestart then
    /// connects again without it and works on without it, as it does on such servers anyway, and the pool's
    /// later connections leave it out.
    public static let deadClientCheckInterval = (name: "client_connection_check_interval", value: "1s")

    /// Opens a new connection with `[database] settings` applied. Blocks: call it off the cooperative pool.
    public func open(timeout: Duration = connectTimeout) throws(DatabaseError) -> any DatabaseConnection {
        try open(timeout: timeout, optional: Self.deadClientCheckInterval)
    }

    /// `optional`, a parameter some servers do not know, is sent with `settings` unless the user set it or a
    /// server of this pool refused it already; refused, the connection is made again without it.
    func open(
        timeout: Duration, optional: (name: String, value: String)
    ) throws(DatabaseError) -> any DatabaseConnection {
        guard url.dialect == .postgres, !settings.contains(where: { $0.name == optional.name }),
            checkIntervalAtStartup.load(ordering: .relaxed)
        else {
            return try url.connect(
                timeout: timeout, applicationName: applicationName, settings: settings, readOnly: readOnly)
        }
        do throws(DatabaseError) {
            return try url.connect(
                timeout: timeout, applicationName: applicationName, settings: settings + [optional],
                readOnly: readOnly)
        } catch where error.sqlstate == .undefinedObject && error.message.contains("\"\(optional.name)\"") {
            checkIntervalAtStartup.store(false, ordering: .relaxed)
            return try url.connect(
                timeout: timeout, applicationName: applicationName, settings: settings, readOnly: readOnly)
        }
    }

    public func checkIn(_ connection: any DatabaseConnection) {
        idle.withLock { $0.append(connection) }
    }

    /// An idle connection (the wait step's, usually), or a new one; the caller owns it until `checkIn` or
    /// `close`. A connection over TCP with a password costs ~10 ms to open: reuse is most of a warm start.
    public func checkOut() throws(DatabaseError) -> any DatabaseConnection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try open()
    }

    /// ``checkOut()`` for a caller that needs PostgreSQL's own calls (LISTEN, notifications); an error when the
    /// database is not PostgreSQL.
    public func checkOutPostgres() throws(DatabaseError) -> PostgresConnection {
        let connection = try checkOut()
        guard let postgres = connection as? PostgresConnection else {
            checkIn(connection)
            throw .client("The database is \(url.dialect), not PostgreSQL.")
        }
        return postgres
    }

    /// Runs `body` with a connection on a thread of its own. When the calling task is cancelled or `timeout`
    /// passes, the running statement is cancelled (again every 250 ms until `body` returns, since a cancel
    /// that lands between two statements stops nothing) and the result says why.
    ///
    /// With `fixed`, the call runs on that connection (the ledger's session) instead of a pooled one, and the
    /// connection stays with its owner.
    public func withConnection<T: Sendable>(
        _ fixed: (any DatabaseConnection)? = nil,
        timeout: Duration?,
        _ body: @escaping @Sendable (any DatabaseConnection) throws(DatabaseError) -> T
    ) async -> Call<T> {
        let active = ActiveCall()
        let timer = timeout.map { timeout in
            Task {
                try await Task.sleep(for: timeout)
                await active.stop(.timedOut)
            }
        }
        defer { timer?.cancel() }
        let result = await withTaskCancellationHandler {
            await BlockingThread.run { () -> Result<T, DatabaseError> in
                let connection: any DatabaseConnection
                do throws(DatabaseError) {
                    if let fixed {
                        connection = fixed
                    } else {
                        connection = try self.checkOut()
                    }
                } catch {
                    return .failure(error)
                }
                guard active.begin(connection) else {
                    if fixed == nil { self.checkIn(connection) }
                    return .failure(.client("The statement was not started: the step was stopped."))
                }
                let result: Result<T, DatabaseError>
                do throws(DatabaseError) {
                    result = .success(try body(connection))
                } catch {
                    result = .failure(error)
                }
                active.end()
                if fixed != nil { return result }
                if case .failure(let error) = result, error.kind == .connection {
                    connection.close()
                } else {
                    self.checkIn(connection)
                }
                return result
            }
        } onCancel: {
            Task { await active.stop(.cancelled) }
        }
        return Call(result: result, stopped: active.reason)
    }

    public struct Call<T: Sendable>: Sendable {
        public var result: Result<T, DatabaseError>
        /// Why the call was stopped, if it was: its error is then the database's "canceling statement".
        public var stopped: StopReason?
    }

    public enum StopReason: Sendable {
        case timedOut, cancelled
    }

    /// This machine's name, for `application_name` and the ledger's `host` column.
    public static let hostName: String = {
        var buffer = [UInt8](repeating: 0, count: 256)
        let got = buffer.withUnsafeMutableBytes { gethostname($0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count) }
        guard got == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
    }()
}

/// The connection a call is using, so a timer or a cancellation can reach its statement.
private final class ActiveCall: Sendable {
    private struct State {
        var connection: (any DatabaseConnection)?
        var finished = false
        var reason: ConnectionPool.StopReason?
    }

    private let state = Mutex(State())

    var reason: ConnectionPool.StopReason? { state.withLock { $0.reason } }

    /// Registers the connection; false when the call was stopped before it began.
    func begin(_ connection: any DatabaseConnection) -> Bool {
        state.withLock {
            guard $0.reason == nil else { return false }
            $0.connection = connection
            return true
        }
    }

    func end() {
        state.withLock {
            $0.connection = nil
            $0.finished = true
        }
    }

    func stop(_ reason: ConnectionPool.StopReason) async {
        let first = state.withLock {
            guard $0.reason == nil, !$0.finished else { return false }
            $0.reason = reason
            return true
        }
        guard first else { return }
        while let connection = state.withLock({ $0.finished ? nil : $0.connection }) {
            await BlockingThread.run { connection.cancel() }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }
}

import Glibc
public import Logging
public import PrestartDatabase
import PrestartSystem

/// The ledger of one run, and the one lock every database step of the run works under.
///
/// The lock is taken by the first step that needs it (after the steps it waits for, such as the wait for the
/// database), kept while a step that needs it is still to come, so a run takes it once, and let go when the last of
/// them has finished (``stepFinished()``) or the run ends (``close()``). Replicas starting together so run their
/// database steps one after another: `CREATE EXTENSION IF NOT EXISTS` and its kind, which PostgreSQL does not make
/// safe against a concurrent twin, never race.
///
/// Opening the ledger (once-only work) takes the lock, creates the table when missing, reads every row in one query,
/// and checks them before any unit runs: an applied unit whose file changed, or a non-transactional unit that failed
/// or was killed half-way, stops the run (exit 65). A step that needs only the lock (sql, schema, alembic) holds it
/// through ``hold(for:)`` and ``unhold()``: one lock per run, since a second session of this process would wait for
/// the first one forever.
public actor Ledger {
    /// A unit the config knows, for the integrity check.
    public struct Expected: Sendable {
        public var name: String
        /// The unit's file, absolute.
        public var source: String
        /// The config's folder.
        public var directory: String
        public var checksum: String

        /// As the user knows it: relative to the config's folder. Worked out only for a message: the integrity
        /// check of a no-op run compares a thousand checksums and needs none of these.
        public var file: String { Path.relative(source, to: directory) }

        public init(name: String, source: String, directory: String, checksum: String) {
            self.name = name
            self.source = source
            self.directory = directory
            self.checksum = checksum
        }
    }

    private let pool: ConnectionPool
    private let lockTimeout: Duration
    private let logger: Logger
    private let expected: [Expected]
    /// Taking the lock; set until the lock is released.
    private var locking: Task<LedgerLock, any Error>?
    /// Loading the ledger under the lock; once set, the lock is kept until ``close()``.
    private var opening: Task<Void, any Error>?
    /// Lock-only steps holding the lock now.
    private var holders = 0
    /// Steps of this run that need the lock and have not finished yet.
    private var lockUsersLeft: Int
    private var entries: [String: LedgerEntry] = [:]
    /// One unit at a time on the lock's session: a transaction spans several calls.
    private var sessionBusy = false
    private var lastAnnounced: ContinuousClock.Instant?
    private var sessionWaiters: [CheckedContinuation<Void, Never>] = []
    /// Units this run applied: a retried attempt of `run --force` does not apply them again.
    var appliedInThisRun: Set<String> = []

    /// `expected`: every once-only unit the config knows, for the integrity check when the ledger is opened;
    /// `lockUsers`: how many of the run's steps need the lock (``Step/needsLedgerLock``).
    public init(pool: ConnectionPool, expected: [Expected], lockUsers: Int, lockTimeout: Duration, logger: Logger) {
        self.pool = pool
        self.lockUsersLeft = lockUsers
        self.lockTimeout = lockTimeout
        self.logger = logger
        self.expected = expected
    }

    /// Takes the lock and loads the ledger, once per run; every caller gets the same outcome.
    public func open(for step: String) async throws(LedgerError) {
        let task: Task<Void, any Error>
        if let opening {
            task = opening
        } else {
            let pool = pool
            task = Task {
                // A failure below keeps the lock until close(): a lock-only step may be working under it.
                let lock = try await self.lock(for: step)
                let read: Result<[LedgerEntry], LedgerError>
                if let session = lock.session {
                    // The lock's own session is idle while held: reading the ledger there saves a connection.
                    read = await BlockingThread.run { Self.read(session) }
                } else {
                    let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
                        Self.read(connection)
                    }
                    read = call.result.mapError(LedgerError.database).flatMap { $0 }
                }
                let rows: [LedgerEntry]
                switch read {
                case .success(let entries): rows = entries
                case .failure(let error): throw error
                }
                self.load(rows)
                if let problem = self.integrityProblem() { throw problem }
            }
            opening = task
        }
        try await Self.awaitShared(task)
    }

    /// Waits for a task shared by every step that needs the lock, passing a step's cancellation (a signal, a failed
    /// step) on to it: without that, a replica told to stop while it waited for the lock waited on until the lock
    /// timeout.
    private static func awaitShared<T: Sendable>(_ task: Task<T, any Error>) async throws(LedgerError) -> T {
        do {
            return try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                task.cancel()
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .lockTimeout(waited: .zero, holder: nil)
        }
    }

    /// Creates the ledger when missing, then reads every row in one query.
    private static func read(_ connection: any DatabaseConnection) -> Result<[LedgerEntry], LedgerError> {
        do throws(LedgerError) {
            try LedgerStore.prepare(connection)
            do throws(DatabaseError) {
                return .success(try LedgerStore.entries(connection))
            } catch {
                throw .database(error)
            }
        } catch {
            return .failure(error)
        }
    }

    private func load(_ rows: [LedgerEntry]) {
        entries = Dictionary(rows.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    }

    private func integrityProblem() -> LedgerError? {
        for unit in expected {
            if let entry = entries[unit.name], entry.status == .applied, let recorded = entry.checksum,
                recorded != unit.checksum
            {
                return .checksumMismatch(name: unit.name, file: unit.file, recorded: recorded, current: unit.checksum)
            }
        }
        // The earliest that blocks: one pass, not a sort of every row (a thousand on a migrated database).
        if let blocking = entries.values.lazy.filter(\.blocks).min(by: { $0.startedAt < $1.startedAt }) {
            return .blocked(blocking)
        }
        return nil
    }

    public func entry(named name: String) -> LedgerEntry? {
        entries[name]
    }

    /// Keeps the snapshot in step with rows this run wrote.
    func remember(_ entry: LedgerEntry) {
        entries[entry.name] = entry
    }

    /// Takes the lock once per hold; every caller gets the same outcome.
    @discardableResult
    private func lock(for step: String) async throws(LedgerError) -> LedgerLock {
        let task: Task<LedgerLock, any Error>
        if let locking {
            task = locking
        } else {
            let pool = pool
            let timeout = lockTimeout
            let logger = logger
            task = Task { try await LedgerLock.acquire(pool: pool, timeout: timeout, logger: logger, step: step) }
            locking = task
        }
        return try await Self.awaitShared(task)
    }

    /// Holds the lock for a step that needs only the lock, taking it unless this run holds it already.
    /// Balance every successful call with ``unhold()``.
    public func hold(for step: String) async throws(LedgerError) {
        holders += 1
        do {
            let taking = locking == nil
            _ = try await lock(for: step)
            // A lock taken for this step already says so; a step after another says so at most every 200 ms, like a
            // unit: on a warm start the steps take a few milliseconds, and a round trip each is most of that.
            if taking { lastAnnounced = ContinuousClock.now } else { await announce(step) }
        } catch {
            holders -= 1
            if holders == 0, opening == nil { locking = nil }  // the next hold tries again
            throw error
        }
    }

    /// Ends a ``hold(for:)``. The lock stays while another step of the run still needs it.
    public func unhold() async {
        holders -= 1
        await releaseWhenDone()
    }

    /// A step that needs the lock has its outcome (after its last attempt).
    public func stepFinished() async {
        lockUsersLeft -= 1
        await releaseWhenDone()
    }

    /// Lets the lock go once no step of this run needs it any more: waiting replicas go on at once, not when this
    /// run's last step (a long command, say) ends.
    private func releaseWhenDone() async {
        guard holders == 0, lockUsersLeft <= 0, let task = locking else { return }
        locking = nil
        opening = nil
        guard let lock = try? await task.value else { return }
        await BlockingThread.run { lock.release() }
    }

    /// Tells waiting replicas which unit runs now, at most every 200 ms: a round trip per unit would cost a fast migration a third of its time.
    func announce(_ unit: String) async {
        let now = ContinuousClock.now
        if let last = lastAnnounced, now - last < .milliseconds(200) { return }
        lastAnnounced = now
        guard let lock = try? await locking?.value else { return }
        await BlockingThread.run { lock.describe(step: unit) }
    }

    /// Runs `body` with the session once-only work uses: the lock's own on PostgreSQL, one from the pool on
    /// SQLite; one caller at a time.
    func withSession<T: Sendable>(
        timeout: Duration?, _ body: @escaping @Sendable (any DatabaseConnection) throws(DatabaseError) -> T
    ) async -> ConnectionPool.Call<T> {
        while sessionBusy {
            await withCheckedContinuation { sessionWaiters.append($0) }
        }
        sessionBusy = true
        defer {
            sessionBusy = false
            if !sessionWaiters.isEmpty { sessionWaiters.removeFirst().resume() }
        }
        let lock = try? await locking?.value
        let call = await pool.withConnection(lock?.session, timeout: timeout, body)
        if let lock, lock.session != nil, case .failure(let error) = call.result, error.kind == .connection {
            await lost(lock)
        }
        return call
    }

    /// The lock's session is gone (the server restarted, the network dropped it), and with it the lock: the server
    /// freed it when the session ended. The next step or attempt that needs it takes it again, on a new session,
    /// and reads the ledger again, since another replica may have worked meanwhile.
    private func lost(_ lock: LedgerLock) async {
        guard let task = locking, (try? await task.value) === lock else { return }
        locking = nil
        opening = nil
        logger.warning("lost the migration lock with its session; it is taken again before the next database work")
        await BlockingThread.run { lock.release() }
    }

    /// Releases the lock, if this run took it.
    public func close() async {
        opening = nil
        guard let task = locking else { return }
        locking = nil
        guard let lock = try? await task.value else { return }
        await BlockingThread.run { lock.release() }
    }
}

import Glibc
import Logging
import PrestartDatabase
import PrestartSystem

/// The one lock all once-only work runs under, so N replicas starting together apply each unit exactly once.
///
/// - PostgreSQL: a session advisory lock on a connection of its own, held for the whole run and released by
///   the server when that session ends, also when the process is killed. All once-only work runs on that
///   same session: a killed prestart's last statements (already sent, perhaps committing) finish before
///   the lock is free, so the next replica sees their ledger rows. It is taken by polling
///   `pg_try_advisory_lock`: a replica blocked in `pg_advisory_lock` holds a snapshot that a
///   `CREATE INDEX CONCURRENTLY` in the running migration waits for, and PostgreSQL reports a deadlock.
///   Between polls a waiting replica listens for the holder's release (`NOTIFY`), so it goes on at once.
/// - SQLite: `flock` on `DATABASE.prestart-lock` beside the file, released by the kernel when the process
///   dies. An exclusive transaction would also block the migrations' own connection (SQLite has one writer).
final class LedgerLock: Sendable {
    /// `prestart` in ASCII: the advisory lock key.
    static let advisoryKey: Int64 = 0x7072_6573_7461_7274

    private enum Holder: Sendable {
        case postgres(PostgresConnection)
        case file(descriptor: Int32)
    }

    private let holder: Holder

    private init(_ holder: Holder) {
        self.holder = holder
    }

    /// The PostgreSQL session that holds the lock: the once-only work and the ledger run on it.
    var session: (any DatabaseConnection)? {
        if case .postgres(let connection) = holder { return connection }
        return nil
    }

    /// Polls until the lock is ours or `timeout` passes, logging who holds it at once and then every 5 s.
    static func acquire(
        pool: ConnectionPool, timeout: Duration, logger: Logger, step: String
    ) async throws(LedgerError) -> LedgerLock {
        let clock = ContinuousClock()
        let start = clock.now
        // Polling is one tiny query; a short cap hands the lock on quickly when a replica finishes.
        let backoff = Backoff(initial: .milliseconds(5), maximum: .milliseconds(50))
        var attempt = 0
        var lastLog: ContinuousClock.Instant?
        let candidate: Candidate
        switch pool.url {
        case .postgres:
            let result = await BlockingThread.run { () -> Result<PostgresConnection, DatabaseError> in
                do throws(DatabaseError) {
                    // The session becomes the lock's for the whole run; an idle one saves a connect.
                    return .success(try pool.checkOutPostgres())
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .success(let connection): candidate = .postgres(connection)
            case .failure(let error): throw .database(error)
            }
        case .sqlite(let path):
            let lockPath = path + ".prestart-lock"
            do throws(DatabaseError) {
                try SQLiteConnection.makeParentDirectories(of: path)
            } catch {
                throw .database(error)
            }
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .lockFile(path: lockPath, reason: SystemError("open").description) }
            candidate = .file(descriptor: fd, path: lockPath)
        }
        while true {
            attempt += 1
            let outcome = await BlockingThread.run { candidate.tryLock(describing: step) }
            switch outcome {
            case .failure(let error):
                candidate.release()
                throw error
            case .success(true):
                let lock = LedgerLock(candidate.holder)
                // PostgreSQL's session said its step in the statement that took the lock.
                if case .file = candidate { await BlockingThread.run { lock.describe(step: step) } }
                return lock
            case .success(false):
                break
            }
            let now = clock.now
            if lastLog == nil || now - lastLog! >= .seconds(5) {
                lastLog = now
                let holder = await BlockingThread.run { candidate.holderDescription() }
                logger.notice(
                    "waiting for the migration lock held by \(holder ?? "another prestart"); waited \(DurationText.format(now - start)) so far",
                    metadata: ["step": "\(step)"])
            }
            guard now - start < timeout else {
                let holder = await BlockingThread.run { candidate.holderDescription() }
                candidate.release()
                throw .lockTimeout(waited: now - start, holder: holder)
            }
            let delay = backoff.delay(afterAttempt: attempt)
            if case .postgres(let connection) = candidate {
                // Woken by the holder's release (see `release`) rather than at the next poll; the poll stays for a
                // holder that dies without one. Listening holds no snapshot, so it cannot block a concurrent index.
                if attempt == 1 { try? connection.execute("LISTEN \(Self.releaseChannel)") }
                _ = await BlockingThread.run { connection.waitForNotification(timeout: delay) }
            } else {
                try? await Task.sleep(for: delay)
            }
            if Task.isCancelled {
                candidate.release()
                throw .lockTimeout(waited: clock.now - start, holder: nil)
            }
        }
    }

    /// Tells waiting replicas which step holds the lock (PostgreSQL: `application_name`; SQLite: the file).
    func describe(step: String) {
        let text = Self.description(of: step)
        switch holder {
        case .postgres(let connection):
            try? connection.setParameter("application_name", String(text.prefix(63)))
        case .file(let fd):
            let line = Array((text + " since \(WallClock.now.iso8601)\n").utf8)
            _ = ftruncate(fd, 0)
            _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
    }

    /// `prestart HOST:PID step STEP`, what waiting replicas read.
    static func description(of step: String) -> String {
        "prestart \(ConnectionPool.hostName):\(getpid()) step \(step)"
    }

    /// `vm pid 4242 (step migrations/0042-x.sql, for 12 s)` from the `prestart HOST:PID step S` that `describe`
    /// sets; another client's name is shown as it is.
    static func holder(applicationName: String, serverPID: String, seconds: String) -> String {
        let words = applicationName.split(separator: " ", maxSplits: 3)
        if words.count >= 2, words[0] == "prestart", let colon = words[1].lastIndex(of: ":") {
            let host = words[1][..<colon]
            let pid = words[1][words[1].index(after: colon)...]
            // Right after taking the lock, the session may not have said its step yet.
            let step = words.count == 4 && words[2] == "step" ? "step \(words[3]), " : ""
            return "\(host) pid \(pid) (\(step)for \(seconds) s)"
        }
        let name = applicationName.isEmpty ? "a session" : "\"\(applicationName)\""
        return "\(name) (server pid \(serverPID), for \(seconds) s)"
    }

    /// The channel a waiting replica listens on, and the releasing one notifies.
    static let releaseChannel = "prestart_ledger_lock"

    /// Releases the lock, telling waiting replicas at once. Blocks briefly; call it off the cooperative pool.
    func release() {
        switch holder {
        case .postgres(let connection):
            // Unlock and notify in one statement, so a woken replica finds the lock free. Ending the session would
            // free it anyway, so its answer is not waited for (a round trip less at the end of every run that took
            // the lock), and a failure (a broken connection) changes nothing.
            connection.sendAndClose(
                "SELECT pg_advisory_unlock($1), pg_notify($2, '')", [String(Self.advisoryKey), Self.releaseChannel])
        case .file(let fd):
            _ = ftruncate(fd, 0)
            close(fd)  // drops the flock
        }
    }

    /// A lock not yet held.
    private enum Candidate: Sendable {
        case postgres(PostgresConnection)
        case file(descriptor: Int32, path: String)

        var holder: Holder {
            switch self {
            case .postgres(let connection): .postgres(connection)
            case .file(let fd, _): .file(descriptor: fd)
            }
        }

        /// One round trip on PostgreSQL: the lock and, when it is ours, the `application_name` that tells waiting
        /// replicas who holds it.
        func tryLock(describing step: String) -> Result<Bool, LedgerError> {
            switch self {
            case .postgres(let connection):
                let name = String(LedgerLock.description(of: step).prefix(63))
                do throws(DatabaseError) {
                    let rows = try connection.query(
                        """
                        SELECT CASE WHEN pg_try_advisory_lock($1)
                                    THEN set_config('application_name', $2, false) IS NOT NULL ELSE false END
                        """, [String(LedgerLock.advisoryKey), name])
                    return .success(rows.first?.first == "t")
                } catch {
                    return .failure(.database(error))
                }
            case .file(let fd, let path):
                if flock(fd, LOCK_EX | LOCK_NB) == 0 { return .success(true) }
                if errno == EWOULDBLOCK || errno == EINTR { return .success(false) }
                return .failure(.lockFile(path: path, reason: SystemError("flock").description))
            }
        }

        /// `prestart web-1:42 step migrations/0042-x.sql, for 12s`, from `pg_locks` + `pg_stat_activity`, or
        /// from the lock file.
        func holderDescription() -> String? {
            switch self {
            case .postgres(let connection):
                let key = UInt64(bitPattern: LedgerLock.advisoryKey)
                let rows = try? connection.query(
                    """
                    SELECT a.application_name, a.pid, extract(epoch FROM now() - a.backend_start)::bigint
                    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid
                      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                      AND l.objid = $2::bigint::oid AND l.objsubid = 1
                    """, [String(key >> 32), String(key & 0xFFFF_FFFF)])
                guard let row = rows?.first else { return nil }
                return LedgerLock.holder(applicationName: row[0] ?? "", serverPID: row[1] ?? "?", seconds: row[2] ?? "?")
            case .file(_, let path):
                let text = (try? FileSystem.readText(atPath: path))?.trimmingWhitespace() ?? ""
                return text.isEmpty ? nil : text
            }
        }

        func release() {
            switch self {
            case .postgres(let connection): connection.close()
            case .file(let fd, _): close(fd)
            }
        }
    }
}

public import Logging
public import PrestartDatabase
import PrestartSystem

/// The ledger from an operator's side: `status` and `plan` read it (creating nothing, taking no lock), `resolve`
/// repairs a row under the lock.
extension Ledger {
    /// Every row, or none when the table does not exist yet.
    public static func rows(in pool: ConnectionPool) async throws(DatabaseError) -> [LedgerEntry] {
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
            try LedgerStore.entries(connection)
        }
        return try call.result.get()
    }

    /// What `up` would do with a unit, given the ledger's rows; `blocks` when `up` would stop on it (exit 65).
    public static func plan(
        _ unit: String, checksum: String?, rows: [String: LedgerEntry]
    ) -> (text: String, blocks: Bool) {
        guard let entry = rows[unit] else { return ("pending", false) }
        if entry.blocks { return ("blocked: \(LedgerError.blocked(entry))", true) }
        switch entry.status {
        case .applied:
            if let recorded = entry.checksum, let checksum, recorded != checksum {
                return ("changed since it was applied (\(recorded.prefix(12))… → \(checksum.prefix(12))…)", true)
            }
            return ("applied \(entry.finishedAt ?? entry.startedAt)", false)
        case .failed: return ("pending (failed \(entry.startedAt), rolled back: \(entry.error ?? ""))", false)
        case .running: return ("blocked", true)
        }
    }

    /// Repairs a unit that failed or was killed half-way: records it as applied (with `checksum`, the file's now),
    /// or forgets it so it runs again. Takes the ledger lock like any run; returns the row as it was, or nil when
    /// there is none.
    public static func resolve(
        _ name: String, markApplied: Bool, checksum: String?, pool: ConnectionPool, lockTimeout: Duration,
        logger: Logger
    ) async throws(LedgerError) -> LedgerEntry? {
        let lock = try await LedgerLock.acquire(pool: pool, timeout: lockTimeout, logger: logger, step: "resolve \(name)")
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) -> LedgerEntry? in
            guard let old = try LedgerStore.entries(connection).first(where: { $0.name == name }) else { return nil }
            if markApplied {
                var entry = old
                entry.status = .applied
                entry.finishedAt = entry.finishedAt ?? WallClock.now.iso8601
                entry.checksum = checksum ?? entry.checksum
                entry.error = nil
                try LedgerStore.upsert(entry, connection)
            } else {
                try LedgerStore.delete(name, connection)
            }
            return old
        }
        await BlockingThread.run { lock.release() }
        switch call.result {
        case .success(let entry): return entry
        case .failure(let error): throw .database(error)
        }
    }
}

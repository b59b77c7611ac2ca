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

    /// What ``resolve(_:markApplied:force:checksum:pool:lockTimeout:logger:)`` did.
    public enum Resolution: Sendable {
        /// The row was changed; here as it was before.
        case resolved(LedgerEntry)
        /// The unit is applied and healthy, and `force` was not given: nothing was changed.
        case refusedApplied(LedgerEntry)
        /// The ledger has no row by that name.
        case noRow
    }

    /// Repairs a unit that failed or was killed half-way: records it as applied (with `checksum`, the file's now),
    /// or forgets it so it runs again. An applied unit is left alone unless `force`: forgetting it runs healthy work
    /// again. Takes the ledger lock like any run, and decides on the row as it is under the lock.
    public static func resolve(
        _ name: String, markApplied: Bool, force: Bool, checksum: String?, pool: ConnectionPool,
        lockTimeout: Duration, logger: Logger
    ) async throws(LedgerError) -> Resolution {
        let lock = try await LedgerLock.acquire(pool: pool, timeout: lockTimeout, logger: logger, step: "resolve \(name)")
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) -> Resolution in
            guard let old = try LedgerStore.entries(connection).first(where: { $0.name == name }) else { return .noRow }
            if old.status == .applied, !force { return .refusedApplied(old) }
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
            return .resolved(old)
        }
        await BlockingThread.run { lock.release() }
        switch call.result {
        case .success(let resolution): return resolution
        case .failure(let error): throw .database(error)
        }
    }
}

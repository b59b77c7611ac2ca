public import PrestartDatabase
import PrestartSystem

/// Why once-only work cannot go ahead.
public enum LedgerError: Error, Sendable, CustomStringConvertible {
    /// An applied unit's file changed since (exit 65).
    case checksumMismatch(name: String, file: String, recorded: String, current: String)
    /// A non-transactional unit failed or was killed half-way and may have changed data (exit 65).
    case blocked(LedgerEntry)
    /// Another replica held the lock for longer than `lock-timeout` (exit 75).
    case lockTimeout(waited: Duration, holder: String?)
    /// The ledger was written by a newer prestart.
    case newerSchema(version: Int)
    case database(DatabaseError)
    case lockFile(path: String, reason: String)

    public var description: String {
        switch self {
        case .checksumMismatch(let name, let file, let recorded, let current):
            return """
                \(name) was applied with checksum \(recorded.prefix(12))…, but \(file) now has \(current.prefix(12))…: \
                an applied migration must not change. Restore the file, or put the change in a new migration.
                """
        case .blocked(let entry):
            let what = entry.status == .running ? "was interrupted half-way" : "failed half-way"
            var text = "\(entry.name) \(what) (started \(entry.startedAt) on \(entry.host) pid \(entry.pid))"
            if let error = entry.error { text += ": \(error)" }
            return text
                + """
                ; it ran outside a transaction, so it may have changed data. Check the data, then run \
                `prestart resolve \(entry.name) --mark-applied` if its work is done, or \
                `prestart resolve \(entry.name) --forget` to run it again.
                """
        case .lockTimeout(let waited, let holder):
            let who = holder.map { " held by \($0)" } ?? ""
            return "gave up waiting for the migration lock\(who) after \(DurationText.format(waited)); try again"
        case .newerSchema(let version):
            return "prestart_ledger has schema version \(version), newer than this prestart knows (1): upgrade prestart"
        case .database(let error):
            return "the ledger: \(error)"
        case .lockFile(let path, let reason):
            return "cannot use the lock file \(path): \(reason)"
        }
    }
}

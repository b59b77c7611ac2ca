import Glibc
import Logging
import PrestartDatabase
import PrestartSystem

extension Invocation {
    /// Repairs a once-only unit that failed or was killed half-way: records it as applied, or forgets it so the
    /// next run applies it again. Takes the ledger lock like any run. Returns the row as it was.
    ///
    /// An applied unit is healthy: forgetting it would run its work again at the next start, and marking it applied
    /// would paper over a changed file. Both need `force`, and a forced repair is logged with who, where, when and the
    /// old checksum, since the ledger keeps no history of its own.
    public func resolve(_ config: Config, unit name: String, markApplied: Bool, force: Bool = false) async throws
        -> LedgerEntry
    {
        guard let database = config.database else {
            throw UsageError("the config has no [database], so there is no ledger")
        }
        let checksum = config.steps.lazy.flatMap(\.units).first { $0.name == name }?.checksum
        let resolution = try await Ledger.resolve(
            name, markApplied: markApplied, force: force, checksum: checksum, pool: ConnectionPool(database),
            lockTimeout: database.lockTimeout, logger: logger)
        let entry: LedgerEntry
        switch resolution {
        case .noRow:
            throw UsageError("the ledger has no row named \(name); `prestart status` lists them")
        case .refusedApplied(let applied):
            let flag = markApplied ? "--mark-applied" : "--forget"
            let effect =
                markApplied
                ? "record it as applied again, with the checksum of its file now"
                : "delete its applied row, so the next start runs its work again on data it already changed"
            throw UsageError(
                """
                \(name) is applied (\(applied.finishedAt ?? applied.startedAt) on \(applied.host)), not failed or \
                half-applied: resolve is for those. `prestart resolve \(name) \(flag) --force` would \(effect); to \
                run it again now, use `prestart run \(name) --force`
                """)
        case .resolved(let old):
            entry = old
        }
        if force, entry.status == .applied {
            logger.warning(
                "forced resolve of the applied unit \(name)",
                metadata: [
                    "action": "\(markApplied ? "mark-applied" : "forget")", "user": "\(userName)",
                    "host": "\(ConnectionPool.hostName)", "at": "\(WallClock.now.iso8601)",
                    "old_checksum": "\(entry.checksum ?? "none")", "applied_at": "\(entry.finishedAt ?? entry.startedAt)",
                ])
        }
        logger.notice(
            markApplied
                ? "\(name) is now recorded as applied; it will not run again"
                : "\(name) is forgotten; the next run applies it again")
        return entry
    }

    /// Who runs prestart, for the record of a forced repair: the account's name, else `$USER`, else the uid.
    var userName: String {
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return environment["USER"] ?? "uid \(geteuid())"
    }
}

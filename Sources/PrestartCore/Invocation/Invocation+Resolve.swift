import Logging
import PrestartDatabase

extension Invocation {
    /// Repairs a once-only unit that failed or was killed half-way: records it as applied, or forgets it so the
    /// next run applies it again. Takes the ledger lock like any run. Returns the row as it was.
    public func resolve(_ config: Config, unit name: String, markApplied: Bool) async throws -> LedgerEntry {
        guard let database = config.database else {
            throw UsageError("the config has no [database], so there is no ledger")
        }
        let checksum = config.steps.lazy.flatMap(\.units).first { $0.name == name }?.checksum
        let entry = try await Ledger.resolve(
            name, markApplied: markApplied, checksum: checksum, pool: ConnectionPool(database),
            lockTimeout: database.lockTimeout, logger: logger)
        guard let entry else {
            throw UsageError("the ledger has no row named \(name); `prestart status` lists them")
        }
        logger.notice(
            markApplied
                ? "\(name) is now recorded as applied; it will not run again"
                : "\(name) is forgotten; the next run applies it again")
        return entry
    }
}

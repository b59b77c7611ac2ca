public import PrestartDatabase

/// The database of one run: its connections, and the ledger of its once-only work.
public struct RunDatabase: Sendable {
    public let pool: ConnectionPool
    public let ledger: Ledger

    public init(pool: ConnectionPool, ledger: Ledger) {
        self.pool = pool
        self.ledger = ledger
    }
}

extension RunDatabase {
    /// Runs `work` holding the run's ledger lock for `step`. A lock that cannot be had ends the attempt: `failed`
    /// with the lock's error (75 after `lock-timeout`), or `cancelled` when the run was stopped meanwhile.
    func underLock(_ step: Step, _ work: () async -> Attempt) async -> Attempt {
        do throws(LedgerError) {
            try await ledger.hold(for: step.name)
        } catch {
            return .notLocked(error, waitingFor: "the lock")
        }
        let attempt = await work()
        await ledger.unhold()
        return attempt
    }
}

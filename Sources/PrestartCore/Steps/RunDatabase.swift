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

/// What `status` shows: the ledger's rows, and the lines of steps that keep state of their own (alembic).
public struct LedgerStatus: Sendable {
    /// In the order they started.
    public var entries: [LedgerEntry]
    public var stepLines: [String]
}

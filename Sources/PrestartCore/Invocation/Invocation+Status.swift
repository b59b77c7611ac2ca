public import PrestartDatabase

extension Invocation {
    /// The ledger's rows, and what steps with state of their own say; read-only.
    public func status(_ config: Config, rowsOnly: Bool = false) async throws(DatabaseError) -> LedgerStatus {
        let pool = try config.requireDatabase()
        let entries = try await Ledger.rows(in: pool)
        var stepLines: [String] = []
        if !rowsOnly {
            let context = InspectionContext(environment: environment, database: pool)
            for step in config.steps {
                if let line = await step.kind.status(step, in: context) { stepLines.append(line) }
            }
        }
        return LedgerStatus(entries: entries, stepLines: stepLines)
    }
}

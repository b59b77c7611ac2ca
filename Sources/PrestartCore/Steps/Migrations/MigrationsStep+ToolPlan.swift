import PrestartDatabase

extension MigrationsStep {
    /// What `plan` says about a tool-format step's first run, read-only: the units adoption would import from the
    /// tool's ledger (by name), or why adoption would refuse. Nil when there is nothing to adopt: not a tool format,
    /// the step has rows already, or the tool's table does not exist.
    func adoptionPlan(
        _ step: Step, rows: [String: LedgerEntry], pool: ConnectionPool
    ) async -> (adopted: Set<String>, title: String, refusal: String?)? {
        guard let settings = tool, !rows.values.contains(where: { $0.step == step.name }) else { return nil }
        let ledger = ToolLedger(format: settings.format, table: settings.table)
        let migrations = settings.folder.migrations
        let call = await pool.withConnection(timeout: nil) {
            connection throws(DatabaseError) -> Result<(Set<String>, String)?, AdoptionError> in
            do throws(AdoptionError) {
                let state = try ledger.read(connection)
                guard state != .missing else { return .success(nil) }
                let applied = try ledger.applied(state, of: migrations)
                return .success((Set(applied.map { "\(step.name)/\($0.fileName)" }), ledger.summary(state)))
            } catch {
                return .failure(error)
            }
        }
        switch call.result {
        case .failure(let error): return ([], ledger.title, "\(ledger.title): \(error)")
        case .success(.failure(let error)): return ([], ledger.title, error.description)
        case .success(.success(nil)): return nil
        case .success(.success(let (adopted, summary)?)): return (adopted, ledger.title + summary, nil)
        }
    }
}

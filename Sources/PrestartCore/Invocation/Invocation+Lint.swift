import Logging
import PrestartDatabase
public import PrestartLint

extension Invocation {
    /// `check`'s lint: every SQL unit of every step, offline, against `[lint] server-version`. Units of one step
    /// are linted in order, so what an earlier file declared (a column's type) informs a later one.
    public func lint(_ config: Config) -> [UnitLint] {
        guard lintIsAvailable(for: config) else { return [] }
        let linter = Linter(options: config.lint)
        return config.steps.flatMap { step in
            var memory = LintMemory()
            return step.lintUnits(of: config).map { linter.lint($0, memory: &memory) }
        }
    }

    /// `plan`'s lint: only the units `up` would run (`pending`), against the live server's version, tables and
    /// functions.
    func lintPending(_ config: Config, steps: [Step], isPending: (String) -> Bool, pool: ConnectionPool) async
        -> (units: [UnitLint], serverVersion: Int?)
    {
        guard pool.url.dialect == .postgres, lintIsAvailable(for: config) else { return ([], nil) }
        var pending: [[LintUnit]] = []
        for step in steps {
            let units = step.lintUnits(of: config)
            if step.kind is MigrationsStep || step.once {
                pending.append(units.filter { isPending($0.name) })
            } else {
                pending.append(units)
            }
        }
        let all = pending.flatMap { $0 }
        guard !all.isEmpty else { return ([], nil) }
        let references = Linter.references(in: all)
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
            try LintCatalog.read(connection, tables: references.tables, functions: references.functions)
        }
        let catalog: LintCatalog?
        switch call.result {
        case .success(let read): catalog = read
        case .failure(let error):
            logger.warning("cannot read the catalog for lint (\(error)); linting against server-version")
            catalog = nil
        }
        let linter = Linter(options: config.lint, catalog: catalog)
        let linted = pending.flatMap { units in
            var memory = LintMemory()
            return units.map { linter.lint($0, memory: &memory) }
        }
        return (linted, linter.serverVersion)
    }

    /// Whether PostgreSQL's parser can be opened; says once why not, when there is SQL it would have linted.
    private func lintIsAvailable(for config: Config) -> Bool {
        guard let reason = PostgresParser.unavailable else { return true }
        if config.steps.contains(where: { !$0.lintUnits(of: config).isEmpty }) {
            logger.warning("lint skipped: \(reason)")
        }
        return false
    }
}

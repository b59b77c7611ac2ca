import PrestartDatabase
import PrestartLint
import PrestartSystem

/// A schema step in `plan` and `schema-diff`: read-only, no lock taken, nothing kept. The file's lesson comes from
/// the cache `up` keeps, or from a shadow run in a transaction that is rolled back.
extension SchemaStep {
    /// What `up` would find in the database now.
    func inspect(_ step: Step, pool: ConnectionPool) async -> Result<SchemaPlan, DatabaseError> {
        let script = script
        let checksum = checksum
        let name = step.name
        return await pool.withConnection(timeout: ConnectionPool.connectTimeout) { connection throws(DatabaseError) in
            if connection.dialect == .postgres {
                let (lesson, catalog) = try Self.lesson(script, step: name, checksum: checksum, connection, store: false)
                return try Self.plan(lesson, catalog)
            }
            let (lesson, catalog) = try Self.sqliteLesson(script, connection)
            return try Self.plan(lesson, catalog)
        }.result
    }

    /// The step's line (what it creates, how many differences and what becomes of them), then one line per
    /// difference: the statements `up` runs for it with the locks they take, or why it is left to a migration.
    public func plan(_ step: Step, in context: InspectionContext) async -> [Plan.Line] {
        guard let pool = context.database else { return [] }
        let plan: SchemaPlan
        switch await inspect(step, pool: pool) {
        case .success(let found): plan = found
        case .failure(let error): return [Plan.Line(name: step.name, text: "schema: cannot inspect the database: \(error)")]
        }
        var summary = plan.newTables.isEmpty ? "schema: creates nothing" : "schema: creates \(plan.newTables.joined(separator: ", "))"
        let safe = plan.changes.filter(\.isSafe).count
        switch drift {
        case .ignore: return [Plan.Line(name: step.name, text: summary)]
        case .apply:
            if safe > 0 { summary += "; applies \(safe) change(s)" }
            if plan.changes.count > safe {
                summary += "; \(plan.changes.count - safe) left for a migration (`prestart schema-diff \(step.name)`)"
                    + (unsafe == .fail ? ", which fails the step (unsafe = \"fail\")" : "")
            }
        case .warn, .fail:
            if !plan.changes.isEmpty {
                summary += "; \(plan.changes.count) difference(s), drift = \"\(drift.rawValue)\""
                    + (drift == .fail ? ": the step fails" : "")
            }
        }
        var lines = [Plan.Line(name: step.name, text: summary)]
        for change in plan.changes {
            let text: String
            switch (drift, change.remedy) {
            case (.apply, .safe(let statements)):
                text = "applies: " + statements.map { ddl in
                    ddl.sql + (ddl.lock.map { " — \($0.name), \(ddl.holds)" } ?? " — \(ddl.holds)")
                }.joined(separator: "; then ")
            case (.apply, .unsafe(let reason, _)):
                text = "not applied: \(change.drift) — \(reason)"
            default:
                text = "drift: \(change.drift)"
            }
            lines.append(Plan.Line(name: "\(step.name)/\(change.subject)", text: text))
        }
        return lines
    }

    /// The migration for what `up` leaves undone: with `drift = "apply"`, the changes it does not apply; otherwise
    /// every difference.
    func migration(_ step: Step, pool: ConnectionPool, configDirectory: String) async throws(DatabaseError) -> SchemaMigration {
        let plan = try await inspect(step, pool: pool).get()
        return SchemaMigration(
            changes: drift == .apply ? plan.changes.filter { !$0.isSafe } : plan.changes,
            file: Path.relative(file, to: configDirectory))
    }
}

public import PrestartDatabase

extension Invocation {
    /// What `up` would do with each step and once-only unit, read-only: nothing is created, no lock is taken.
    public func plan(_ config: Config) async throws(DatabaseError) -> Plan {
        let pool = try config.requireDatabase()
        let rows = Dictionary(try await Ledger.rows(in: pool).map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        let context = InspectionContext(environment: environment, database: pool)
        var lines: [Plan.Line] = []
        var blocked = false
        let selection = StepGraph(config.steps).selectionForUp()
        for step in selection {
            let units = step.units
            if let migrations = step.kind as? MigrationsStep {
                let adoption = await migrations.adoptionPlan(step, rows: rows, pool: pool)
                if let refusal = adoption?.refusal {
                    lines.append(Plan.Line(name: step.name, text: "blocked: \(refusal)"))
                    blocked = true
                }
                for unit in units {
                    if let adoption, adoption.adopted.contains(unit.name) {
                        lines.append(Plan.Line(name: unit.name, text: "adopt: applied according to \(adoption.title)"))
                        continue
                    }
                    var state = Ledger.plan(unit.name, checksum: unit.checksum, rows: rows)
                    if state.text == "pending", migrations.externalUnits.contains(unit.name) {
                        state.text = "pending, external: up stops before it; apply it with the tool's own binary"
                    }
                    if let checksum = migrations.repeatableChecksums[unit.name], let row = rows[unit.name],
                        row.status == .applied, row.checksum != checksum
                    {
                        state.text = "runs again: a repeatable migration that changed since it was applied"
                    }
                    lines.append(Plan.Line(name: unit.name, text: state.text))
                    blocked = blocked || state.blocks
                }
            } else if let unit = units.first {
                let state = Ledger.plan(unit.name, checksum: unit.checksum, rows: rows)
                lines.append(Plan.Line(name: step.name, text: "once, " + state.text))
                blocked = blocked || state.blocks
            } else {
                let own = await step.kind.plan(step, in: context)
                lines += own.isEmpty ? [Plan.Line(name: step.name, text: "\(step.kindName): runs")] : own
            }
        }
        // A blocking row of a unit the config no longer names blocks `up` all the same.
        for entry in rows.values.sorted(by: { $0.name < $1.name }) where entry.blocks {
            if !lines.contains(where: { $0.name == entry.name }) {
                lines.append(Plan.Line(name: entry.name, text: "blocked: \(LedgerError.blocked(entry))"))
                blocked = true
            }
        }
        var plan = Plan(lines: lines, blocked: blocked)
        (plan.lint, plan.lintServerVersion) = await lintPending(
            config, steps: selection,
            isPending: { name in
                guard let row = rows[name] else { return true }
                return row.status == .failed && !row.blocks
            }, pool: pool)
        return plan
    }
}

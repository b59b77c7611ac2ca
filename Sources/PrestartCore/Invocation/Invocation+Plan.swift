public import PrestartDatabase

extension Invocation {
    /// What `up` would do with each step and once-only unit, read-only: nothing is created, no lock is taken.
    public func plan(_ config: Config) async throws(DatabaseError) -> Plan {
        let pool = try config.requireDatabase()
        let rows = Dictionary(try await Ledger.rows(in: pool).map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        let context = InspectionContext(environment: environment, database: pool)
        var lines: [Plan.Line] = []
        var blocked = false
        for step in StepGraph(config.steps).selectionForUp() {
            let units = step.units
            if step.kind is MigrationsStep {
                for unit in units {
                    let state = Ledger.plan(unit.name, checksum: unit.checksum, rows: rows)
                    lines.append(Plan.Line(name: unit.name, text: state.text))
                    blocked = blocked || state.blocks
                }
            } else if let unit = units.first {
                let state = Ledger.plan(unit.name, checksum: unit.checksum, rows: rows)
                lines.append(Plan.Line(name: step.name, text: "once, " + state.text))
                blocked = blocked || state.blocks
            } else {
                let text = await step.kind.plan(step, in: context) ?? "\(step.kindName): runs"
                lines.append(Plan.Line(name: step.name, text: text))
            }
        }
        // A blocking row of a unit the config no longer names blocks `up` all the same.
        for entry in rows.values.sorted(by: { $0.name < $1.name }) where entry.blocks {
            if !lines.contains(where: { $0.name == entry.name }) {
                lines.append(Plan.Line(name: entry.name, text: "blocked: \(LedgerError.blocked(entry))"))
                blocked = true
            }
        }
        return Plan(lines: lines, blocked: blocked)
    }
}

import Glibc
import Logging
import PrestartDatabase
import PrestartSystem

/// `plan`, `status` and `resolve`: the ledger from an operator's side.
extension Session {
    /// What `up` would do with the once-only work, read-only: nothing is created, no lock is taken.
    /// Prints one line per step or unit; returns 65 when `up` would stop on a changed or blocked unit.
    public func plan(_ config: Config) async -> Int32 {
        let entries: [String: LedgerEntry]
        do throws(DatabaseError) {
            entries = Dictionary(try await readLedger(config).map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        } catch {
            return fail(error)
        }
        var lines: [(String, String)] = []
        var conflict = false
        for step in StepGraph(config.steps).selectionForUp() {
            let units = MigrationsStep.units(of: step, context: StepContext(environment: environment, logger: logger))
            if case .migrations = step.kind {
                for unit in units {
                    lines.append((unit.name, Self.planState(of: unit, entries: entries, conflict: &conflict)))
                }
            } else if case .alembic(let alembic) = step.kind {
                lines.append((step.name, await alembicPlan(step, alembic, config: config)))
            } else if step.once {
                lines.append((step.name, "once, " + Self.planState(of: units[0], entries: entries, conflict: &conflict)))
            } else {
                lines.append((step.name, "\(step.kind.name): runs"))
            }
        }
        for entry in entries.values.sorted(by: { $0.name < $1.name }) where entry.blocks {
            if !lines.contains(where: { $0.0 == entry.name }) {
                lines.append((entry.name, "blocked: \(LedgerError.blocked(entry))"))
                conflict = true
            }
        }
        let width = lines.map(\.0.count).max() ?? 0
        print(lines.map { $0.0.padding(to: width) + "  " + $0.1 }.joined(separator: "\n"))
        return conflict ? ExitStatus.ledgerConflict : ExitStatus.success
    }

    private static func planState(of unit: OnceUnit, entries: [String: LedgerEntry], conflict: inout Bool) -> String {
        guard let entry = entries[unit.name] else { return "pending" }
        if entry.blocks {
            conflict = true
            return "blocked: \(LedgerError.blocked(entry))"
        }
        switch entry.status {
        case .applied:
            if let recorded = entry.checksum, let current = unit.checksum, recorded != current {
                conflict = true
                return "changed since it was applied (\(recorded.prefix(12))… → \(current.prefix(12))…)"
            }
            return "applied \(entry.finishedAt ?? entry.startedAt)"
        case .failed: return "pending (failed \(entry.startedAt), rolled back: \(entry.error ?? ""))"
        case .running: return "blocked"
        }
    }

    /// The ledger's rows, as a table or as JSON.
    public func status(_ config: Config, json: Bool) async -> Int32 {
        let entries: [LedgerEntry]
        do throws(DatabaseError) {
            entries = try await readLedger(config)
        } catch {
            return fail(error)
        }
        if json {
            print(JSON.array(entries.map(\.json)).serialized())
            return ExitStatus.success
        }
        await printAlembicStatus(config)
        guard !entries.isEmpty else {
            print("the ledger is empty: no once-only work has run on this database")
            return ExitStatus.success
        }
        let rows = [["NAME", "STATUS", "FINISHED", "DURATION", "HOST", "CHECKSUM"]]
            + entries.map { entry in
                [
                    entry.name, entry.status.rawValue, entry.finishedAt ?? "-",
                    entry.durationMilliseconds.map { "\($0) ms" } ?? "-", entry.host,
                    entry.checksum.map { String($0.prefix(12)) } ?? "-",
                ]
            }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max()! }
        for row in rows {
            print(zip(row, widths).map { $0.padding(to: $1) }.joined(separator: "  ").trimmingWhitespace())
        }
        return ExitStatus.success
    }

    /// Repairs a unit that failed or was killed half-way: records it as applied, or forgets it so it runs
    /// again. Takes the ledger lock like any run.
    public func resolve(_ config: Config, unit name: String, markApplied: Bool) async -> Int32 {
        guard let database = config.database else {
            return fail(UsageError("the config has no [database], so there is no ledger"))
        }
        let pool = ConnectionPool(database)
        let lock: LedgerLock
        do throws(LedgerError) {
            lock = try await LedgerLock.acquire(
                pool: pool, timeout: database.lockTimeout, logger: logger, step: "resolve \(name)")
        } catch {
            return fail(error)
        }
        let checksum = Ledger.expected(in: config).first { $0.name == name }?.checksum
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) -> LedgerEntry? in
            guard var entry = try LedgerStore.entries(connection).first(where: { $0.name == name }) else { return nil }
            if markApplied {
                entry.status = .applied
                entry.finishedAt = entry.finishedAt ?? WallClock.now.iso8601
                entry.checksum = checksum ?? entry.checksum
                entry.error = nil
                try LedgerStore.upsert(entry, connection)
            } else {
                try LedgerStore.delete(name, connection)
            }
            return entry
        }
        await BlockingThread.run { lock.release() }
        switch call.result {
        case .failure(let error):
            return fail(error)
        case .success(nil):
            return fail(UsageError("the ledger has no row named \(name); `prestart status` lists them"))
        case .success(.some):
            logger.notice(
                markApplied
                    ? "\(name) is now recorded as applied; it will not run again"
                    : "\(name) is forgotten; the next run applies it again")
            return ExitStatus.success
        }
    }

    private func readLedger(_ config: Config) async throws(DatabaseError) -> [LedgerEntry] {
        guard let database = config.database else {
            throw DatabaseError.client("The config has no [database], so there is no ledger.")
        }
        let pool = ConnectionPool(database)
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
            try LedgerStore.entries(connection)
        }
        return try call.result.get()
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}

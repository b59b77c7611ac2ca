import Glibc
import Logging
import PrestartDatabase
import PrestartSystem

/// A migrations step with `format = "TOOL"`: the tool's ledger adopted on the step's first run, the tool's own lock
/// held beside prestart's, and the tool's rows written with each unit (see ``ToolLedger``).
extension Ledger {
    /// What the tool's ledger said when the step started, and what adoption imported.
    struct ToolStart: Sendable {
        var state: ToolLedger.State
        /// Units imported now; 0 when the step had rows already or the tool had applied nothing.
        var adopted: Int
        /// Whether this was the step's first run, when the whole applied set was imported.
        var firstRun: Bool
    }

    /// Takes the tool's own advisory lock on the lock's session (where the tool has one), polling like prestart's
    /// own, so an old replica of the tool starting now waits instead of racing. Returns the key, to release it.
    func holdToolLock(_ tool: ToolLedger, timeout: Duration) async throws(AdoptionError) -> Int64? {
        let keyCall = await withSession(timeout: nil) { connection throws(DatabaseError) -> Int64? in
            let row = try connection.query("SELECT current_schema(), current_database()").first
            return tool.lockKey(schema: tool.schema ?? (row?[0] ?? nil) ?? "public", database: (row?[1] ?? nil) ?? "")
        }
        let key: Int64?
        switch keyCall.result {
        case .success(let value): key = value
        case .failure(let error): throw .database(error)
        }
        guard let key else { return nil }
        let clock = ContinuousClock()
        let start = clock.now
        while true {
            let call = await withSession(timeout: nil) { connection throws(DatabaseError) -> Bool in
                try connection.query("SELECT pg_try_advisory_lock($1)", [String(key)]).first?.first == "t"
            }
            switch call.result {
            case .success(true): return key
            case .success(false): break
            case .failure(let error): throw .database(error)
            }
            guard clock.now - start < timeout, !Task.isCancelled else {
                throw .lockTimeout(tool: tool, waited: clock.now - start)
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Lets the tool's lock go: an old replica waiting for it goes on, and finds nothing to do.
    func releaseToolLock(_ key: Int64) async {
        _ = await withSession(timeout: nil) { connection throws(DatabaseError) in
            try connection.execute("SELECT pg_advisory_unlock($1)", [String(key)])
        }
    }

    /// Reads the tool's ledger and, on the step's first run (no `prestart_ledger` row for it yet), imports the units
    /// it says are applied, in one transaction, as `applied` rows with each file's SHA-256 now and `adopted` naming
    /// the tool's table. Refuses a ledger the tool would stop on (dirty), or one that names a missing file: then
    /// nothing is imported. With `create`, makes the tool's table when it is missing, as the tool would.
    func startTool(
        _ tool: ToolLedger, step: String, units: [(name: String, checksum: String, migration: ToolMigration)],
        create: Bool
    ) async throws(AdoptionError) -> ToolStart {
        // The step's own units already in the ledger: not a first run, and no query to ask.
        let units = units.map { (name: $0.name, checksum: $0.checksum, migration: $0.migration, known: entry(named: $0.name) != nil) }
        let known = units.contains { $0.known }
        let call = await withSession(timeout: nil) {
            connection throws(DatabaseError) -> Result<(ToolStart, [LedgerEntry]), AdoptionError> in
            do throws(AdoptionError) {
                let state = try tool.read(connection)
                var imported: [LedgerEntry] = []
                var firstRun = !known
                do throws(DatabaseError) {
                    if firstRun { firstRun = try !LedgerStore.hasRows(step: step, connection) }
                } catch {
                    throw .database(error)
                }
                var adopted: [(name: String, checksum: String, migration: ToolMigration, known: Bool)]
                if firstRun {
                    let appliedList = try tool.applied(state, of: units.map(\.migration))
                    let applied = Set(appliedList.map(\.fileName))
                    adopted = units.filter { applied.contains($0.migration.fileName) }
                    // Flyway's Java migrations: rows with no file, adopted under their row's name.
                    let files = Set(units.map(\.migration.fileName))
                    for migration in appliedList where !files.contains(migration.fileName) {
                        adopted.append(("\(step)/\(migration.fileName)", "", migration, false))
                    }
                } else if tool.keepsRowPerVersion {
                    // Applied by the tool since prestart took over: an old replica, or the tool's own binary for a
                    // migration prestart cannot run.
                    let applied = Set(tool.appliedLeniently(state, of: units.map(\.migration)).map(\.fileName))
                    adopted = units.filter { applied.contains($0.migration.fileName) && !$0.known }
                } else {
                    adopted = []
                }
                if !adopted.isEmpty {
                    let records = adopted.map {
                        LedgerStore.AdoptedUnit(
                            name: $0.name, checksum: $0.migration.isExternal ? nil : $0.checksum,
                            transactional: $0.migration.isAtomicWithLedger,
                            adopted: $0.migration.isExternal ? tool.title + " (external)" : tool.title)
                    }
                    do throws(DatabaseError) {
                        try connection.executeTransaction([LedgerStore.adoptStatement(records, step: step)])
                    } catch {
                        throw .database(error)
                    }
                    let now = WallClock.now.iso8601
                    imported = records.map {
                        LedgerEntry(
                            name: $0.name, step: step, checksum: $0.checksum, status: .applied,
                            transactional: $0.transactional, startedAt: now, finishedAt: now, durationMilliseconds: 0,
                            host: ConnectionPool.hostName, pid: getpid(), adopted: $0.adopted)
                    }
                }
                if create && state == .missing {
                    do throws(DatabaseError) {
                        try connection.executeTransactionSequentially(tool.createStatements.map { ($0, []) })
                    } catch {
                        throw .database(error)
                    }
                }
                return .success((ToolStart(state: state, adopted: imported.count, firstRun: firstRun), imported))
            } catch {
                return .failure(error)
            }
        }
        switch call.result {
        case .failure(let error): throw .database(error)
        case .success(.failure(let error)): throw error
        case .success(.success(let (start, imported))):
            for entry in imported { remember(entry) }
            return start
        }
    }

    /// Runs `body` on the once-only session (the lock's): a tool-format unit's parts and rows, which need more than
    /// one transaction and the simple-query protocol.
    func withToolSession<T: Sendable>(
        timeout: Duration?, _ body: @escaping @Sendable (any DatabaseConnection) throws(DatabaseError) -> T
    ) async -> ConnectionPool.Call<T> {
        await withSession(timeout: timeout, body)
    }
}

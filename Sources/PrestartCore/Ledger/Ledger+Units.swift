import Glibc
public import PrestartDatabase
import PrestartSystem

/// How once-only units are recorded.
///
/// - A transactional unit writes its `applied` row in its own transaction (``appliedRow(_:dialect:)``), so a crash
///   leaves both or neither; when it fails, a `failed` row is written afterwards for the record and the next run
///   retries it. A forced re-run (`run --force`) of an applied unit that fails was rolled back whole, row and all:
///   its `applied` row stays exactly as it was.
/// - A non-transactional unit writes a `running` row first. If it fails, or prestart is killed, that row blocks
///   later runs until an operator runs `prestart resolve`; a forced re-run of an applied one too, since it may
///   have changed data.
extension Ledger {
    /// A unit that is starting: its row as written so far, and when it started.
    public struct Application: Sendable {
        var entry: LedgerEntry
        let start: ContinuousClock.Instant
        /// The unit's row before this run started it: `applied` for a forced re-run.
        let previous: LedgerEntry?
    }

    /// Records that `unit` of `step` starts now: tells waiting replicas, and writes the `running` row of a
    /// non-transactional unit.
    public func begin(
        _ unit: String, step: String, checksum: String?, transactional: Bool
    ) async throws(LedgerError) -> Application {
        await announce(unit)
        let application = Application(
            entry: LedgerEntry(
                name: unit, step: step, checksum: checksum, status: .running, transactional: transactional,
                startedAt: WallClock.now.iso8601, host: ConnectionPool.hostName, pid: getpid()),
            start: ContinuousClock.now, previous: entry(named: unit))
        if !transactional { try await write(application.entry) }
        return application
    }

    /// The `applied` row as one statement, to run last in a transactional unit's own transaction: the database fills
    /// in when it finished.
    public nonisolated func appliedRow(
        _ application: Application, dialect: SQLDialect
    ) -> (sql: String, parameters: [String?]) {
        var applied = application.entry
        applied.status = .applied
        return LedgerStore.upsertStatement(applied, dialect: dialect, finishedNow: true)
    }

    /// Records that the unit's work is done: writes the `applied` row of a non-transactional unit (a transactional
    /// one wrote it in its transaction).
    public func finish(_ application: Application) async throws(LedgerError) {
        var entry = application.entry
        entry.status = .applied
        entry.finishedAt = WallClock.now.iso8601
        entry.durationMilliseconds = (ContinuousClock.now - application.start).milliseconds
        if entry.transactional {
            remember(entry)
        } else {
            try await write(entry)
        }
        appliedInThisRun.insert(entry.name)
    }

    /// Records that the unit failed, with `error` (already redacted). Best effort: the failure itself is what the
    /// operator needs to hear about.
    ///
    /// A transactional unit that was applied before (a forced re-run) keeps its `applied` row: its transaction,
    /// which would have rewritten the row, was rolled back, and a `failed` row would make every later start run it
    /// again. `keepingApplied: false` records the failure all the same: for work that is only done again because what
    /// it made went away (a schema change), so the old `applied` row no longer tells the truth.
    public func fail(_ application: Application, error: String, keepingApplied: Bool = true) async {
        if keepingApplied, application.entry.transactional, application.previous?.status == .applied { return }
        var entry = application.entry
        entry.status = .failed
        entry.finishedAt = WallClock.now.iso8601
        entry.durationMilliseconds = (ContinuousClock.now - application.start).milliseconds
        entry.error = error
        try? await write(entry)
    }

    /// Whether the unit needs no work: applied by an earlier run (unless `force`), or by this one.
    public func isDone(_ unit: String, force: Bool) -> Bool {
        if appliedInThisRun.contains(unit) { return true }
        return !force && entry(named: unit)?.status == .applied
    }

    private func write(_ entry: LedgerEntry) async throws(LedgerError) {
        let call = await withSession(timeout: nil) { connection throws(DatabaseError) in
            try LedgerStore.upsert(entry, connection)
        }
        if case .failure(let error) = call.result { throw .database(error) }
        remember(entry)
    }
}

import Glibc
import Logging
import PrestartDatabase
import PrestartSystem

/// One piece of once-only work and how it is applied and recorded: a migration file, or a `once` step.
///
/// - A transactional SQL unit writes its `applied` row in its own transaction, so a crash leaves both or
///   neither; when it fails, a `failed` row is written afterwards for the record and the next run retries it.
/// - A non-transactional unit (an executable, `-- prestart:no-transaction` SQL, a `once` command) writes a
///   `running` row first. If it fails, or prestart is killed, that row blocks later runs until an operator
///   runs `prestart resolve`.
struct OnceUnit: Sendable {
    var name: String
    var step: Step
    var checksum: String?
    var body: Body

    enum Body: Sendable {
        /// `parameters` nil: migration files, run as written (a `:name` there is not a parameter).
        case sql(SQLSource, parameters: [String: String]?, transactional: Bool, origin: String, firstLine: Int)
        case process(argv: [String], environment: [String: String])
    }

    /// A sql step's script, parsed when the config was loaded (its parameters are checked then), or a migration
    /// file's text, parsed only when it is applied.
    enum SQLSource: Sendable {
        case parsed(SQLScript)
        case unparsed(utf8: [UInt8], dialect: SQLDialect)

        var script: SQLScript {
            switch self {
            case .parsed(let script): script
            case .unparsed(let utf8, let dialect): SQLScript(utf8: utf8, dialect: dialect)
            }
        }
    }

    var isTransactional: Bool {
        if case .sql(_, _, let transactional, _, _) = body { return transactional }
        return false
    }

    struct Failure: Error {
        var state: StepState
        var failure: StepFailure?
        var message: String
        var exitCode: Int32?
        /// A transactional unit rolled back by an error a retry can fix (deadlock, lock timeout, …).
        var retryable = false
    }

    func apply(ledger: Ledger, context: StepContext) async throws(Failure) {
        await ledger.announce(name)
        let clock = ContinuousClock()
        let start = clock.now
        var entry = LedgerEntry(
            name: name, step: step.name, checksum: checksum, status: .running, transactional: isTransactional,
            startedAt: WallClock.now.iso8601, host: ConnectionPool.hostName, pid: getpid())
        if !isTransactional {
            try await record(entry, ledger: ledger)
        }
        do throws(Failure) {
            switch body {
            case .sql(let source, let parameters, let transactional, let origin, let firstLine):
                let script = source.script
                let running = entry
                let call = await ledger.withSession(timeout: step.timeout) { connection throws(DatabaseError) in
                    guard transactional else {
                        try connection.execute(script, parameters: parameters)
                        return
                    }
                    // The unit and its applied row in one transaction: a crash leaves both or neither.
                    var applied = running
                    applied.status = .applied
                    var statements = try script.bound(parameters)
                    statements.append(LedgerStore.upsertStatement(applied, dialect: connection.dialect, finishedNow: true))
                    do throws(DatabaseError) {
                        try connection.executeTransaction(statements)
                    } catch {
                        throw error.located(in: script, asWritten: parameters == nil).explainingLockTimeout(on: connection)
                    }
                }
                switch (call.result, call.stopped) {
                case (.success, _): break
                case (.failure, .timedOut?):
                    throw Failure(
                        state: .timedOut, failure: .timedOut,
                        message: "\(name): timed out after \(DurationText.format(step.timeout!)); the statement was cancelled")
                case (.failure, .cancelled?):
                    throw Failure(state: .cancelled, failure: nil, message: "\(name): cancelled; the statement was cancelled")
                case (.failure(let error), nil):
                    let location = SQLStep.location(of: error, origin: origin, firstLine: firstLine, context: context)
                    let rolledBack = transactional && error.kind != .connection ? " (rolled back)" : ""
                    throw Failure(
                        state: .failed, failure: .failed, message: "\(location): \(error)\(rolledBack)",
                        retryable: transactional && error.isTransient)
                }
            case .process(let argv, let environment):
                var unitStep = step
                for (key, value) in environment { unitStep.environment[key] = value }
                let outcome = await CommandStep.attempt(unitStep, argv: argv, context: context)
                if outcome.state != .succeeded {
                    throw Failure(
                        state: outcome.state, failure: outcome.failure, message: "\(name): \(outcome.error ?? "failed")",
                        exitCode: outcome.exitCode)
                }
            }
        } catch {
            entry.status = .failed
            entry.finishedAt = WallClock.now.iso8601
            entry.durationMilliseconds = (clock.now - start).milliseconds
            entry.error = context.redact(error.message)
            // Best effort: the failure itself is what the operator needs to hear about.
            try? await record(entry, ledger: ledger)
            throw error
        }
        entry.status = .applied
        entry.finishedAt = WallClock.now.iso8601
        entry.durationMilliseconds = (clock.now - start).milliseconds
        if isTransactional {
            await ledger.remember(entry)
        } else {
            try await record(entry, ledger: ledger)
        }
    }

    private func record(_ entry: LedgerEntry, ledger: Ledger) async throws(Failure) {
        let call = await ledger.withSession(timeout: nil) { connection throws(DatabaseError) in
            try LedgerStore.upsert(entry, connection)
        }
        if case .failure(let error) = call.result {
            throw Failure(state: .failed, failure: .failed, message: "\(name): cannot write the ledger: \(error)")
        }
        await ledger.remember(entry)
    }
}

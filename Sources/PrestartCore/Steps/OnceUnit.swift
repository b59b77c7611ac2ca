import Glibc
import Logging

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
        case sql(SQLScript, parameters: [String: String]?, transactional: Bool, origin: String, firstLine: Int)
        case process(argv: [String], environment: [String: String])
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
        let pool = context.database!
        await ledger.announce(name)
        let clock = ContinuousClock()
        let start = clock.now
        var entry = LedgerEntry(
            name: name, step: step.name, checksum: checksum, status: .running, transactional: isTransactional,
            startedAt: WallClock.now.iso8601, host: ConnectionPool.hostName, pid: getpid())
        if !isTransactional {
            try await record(entry, pool: pool, ledger: ledger)
        }
        do throws(Failure) {
            switch body {
            case .sql(let script, let parameters, let transactional, let origin, let firstLine):
                let finished = entry
                let call = await pool.withConnection(timeout: step.timeout) { connection throws(DatabaseError) in
                    if transactional { try connection.begin() }
                    do throws(DatabaseError) {
                        try Self.execute(script, parameters: parameters, on: connection)
                        if transactional {
                            var applied = finished
                            applied.status = .applied
                            applied.finishedAt = WallClock.now.iso8601
                            applied.durationMilliseconds = (clock.now - start).milliseconds
                            try LedgerStore.upsert(applied, connection)
                            try connection.commit()
                        }
                    } catch {
                        if transactional { connection.rollback() }
                        throw error.explainingLockTimeout(on: connection)
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
            try? await record(entry, pool: pool, ledger: ledger)
            throw error
        }
        entry.status = .applied
        entry.finishedAt = WallClock.now.iso8601
        entry.durationMilliseconds = (clock.now - start).milliseconds
        if isTransactional {
            await ledger.remember(entry)
        } else {
            try await record(entry, pool: pool, ledger: ledger)
        }
    }

    private func record(_ entry: LedgerEntry, pool: ConnectionPool, ledger: Ledger) async throws(Failure) {
        let call = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
            try LedgerStore.upsert(entry, connection)
        }
        if case .failure(let error) = call.result {
            throw Failure(state: .failed, failure: .failed, message: "\(name): cannot write the ledger: \(error)")
        }
        await ledger.remember(entry)
    }

    /// With `parameters`, statements are bound by name; without, each runs exactly as written.
    static func execute(
        _ script: SQLScript, parameters: [String: String]?, on connection: any DatabaseConnection
    ) throws(DatabaseError) {
        if let parameters {
            try connection.execute(script, parameters: parameters)
            return
        }
        for statement in script.statements {
            try connection.executeAsWritten(statement)
        }
    }
}

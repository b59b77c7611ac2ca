import PrestartDatabase
import PrestartSystem

/// One piece of once-only work and how it runs: a migration file, or a `once` step. The ledger records it
/// (``Ledger/begin(_:step:checksum:transactional:)``): a transactional SQL unit writes its `applied` row inside
/// its own transaction; anything else may have changed data when it fails, and then blocks later runs.
public struct OnceUnit: Sendable {
    /// `STEP/FILE` for a migration file, the step's name for a `once` step: what `status`, `resolve` and `run` use.
    public var name: String
    var step: Step
    public var checksum: String?
    var body: Body

    enum Body: Sendable {
        /// `parameters` nil: migration files, run as written (a `:name` there is not a parameter).
        case sql(SQLSource, parameters: [String: String]?, transactional: Bool, origin: String, firstLine: Int)
        /// A migration file that is an executable gets `DATABASE_URL` (in libpq's form, which a script's psql or
        /// psycopg reads as is) and its unit's name as `PRESTART_STEP`.
        case process(argv: [String], isMigrationFile: Bool)
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

    /// The file the unit's work comes from, when there is one: a migration file, a sql step's file (or the config
    /// for inline SQL).
    var source: String? {
        switch body {
        case .sql(_, _, _, let origin, _): origin
        case .process(let argv, let isMigrationFile): isMigrationFile ? argv.first : nil
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

    func apply(_ database: RunDatabase, context: StepContext) async throws(Failure) {
        let ledger = database.ledger
        let application: Ledger.Application
        do throws(LedgerError) {
            application = try await ledger.begin(
                name, step: step.name, checksum: checksum, transactional: isTransactional)
        } catch {
            throw Failure(state: .failed, failure: .failed, message: "\(name): cannot write the ledger: \(error)")
        }
        do throws(Failure) {
            switch body {
            case .sql(let source, let parameters, let transactional, let origin, let firstLine):
                try await runSQL(
                    source.script, parameters: parameters, transactional: transactional, origin: origin,
                    firstLine: firstLine, application: application, database: database, context: context)
            case .process(let argv, let isMigrationFile):
                var unitStep = step
                if isMigrationFile {
                    unitStep.environment["PRESTART_STEP"] = name
                    unitStep.environment["DATABASE_URL"] = database.pool.url.childProcessURL
                }
                let attempt = await CommandStep.run(argv, as: unitStep, context: context)
                if attempt.state != .succeeded {
                    throw Failure(
                        state: attempt.state, failure: attempt.failure, message: "\(name): \(attempt.error ?? "failed")",
                        exitCode: attempt.exitCode)
                }
            }
        } catch {
            await ledger.fail(application, error: context.redact(error.message))
            guard !isTransactional else { throw error }
            var failure = error
            failure.message += "; " + Self.whatComesNext(name, previous: application.previous)
            throw failure
        }
        do throws(LedgerError) {
            try await ledger.finish(application)
        } catch {
            throw Failure(state: .failed, failure: .failed, message: "\(name): cannot write the ledger: \(error)")
        }
    }

    /// What the operator of a failed non-transactional unit needs to hear at once, not at the next start: the unit
    /// may have changed data, so every start now stops until someone says what happened.
    static func whatComesNext(_ name: String, previous: LedgerEntry?) -> String {
        var text = ""
        if let previous, previous.status == .applied {
            text = "this forced re-run replaced its applied record (\(previous.finishedAt ?? previous.startedAt)); "
        }
        return text
            + """
            it ran outside a transaction, so it may have changed data before it stopped. Every start now stops with \
            exit 65 until you check the data and run `prestart resolve \(name) --mark-applied` if its work is done \
            (it will not run again), or `prestart resolve \(name) --forget` if it changed nothing or is safe to run \
            again (the next start runs it)
            """
    }

    private func runSQL(
        _ script: SQLScript, parameters: [String: String]?, transactional: Bool, origin: String, firstLine: Int,
        application: Ledger.Application, database: RunDatabase, context: StepContext
    ) async throws(Failure) {
        let appliedRow = database.ledger.appliedRow(application, dialect: script.dialect)
        let call = await database.ledger.withSession(timeout: step.timeout) { connection throws(DatabaseError) in
            guard transactional else {
                try connection.execute(script, parameters: parameters)
                return
            }
            // The unit and its applied row in one transaction: a crash leaves both or neither.
            var statements = try script.bound(parameters)
            statements.append(appliedRow)
            do throws(DatabaseError) {
                try connection.executeTransaction(statements)
            } catch {
                throw error.located(in: script, asWritten: parameters == nil).explainingLockTimeout(on: connection)
            }
        }
        switch (call.result, call.stopped) {
        case (.success, _):
            return
        case (.failure, .timedOut?):
            throw Failure(
                state: .timedOut, failure: .timedOut,
                message: "\(name): timed out after \(DurationText.format(step.timeout ?? .zero)); the statement was cancelled")
        case (.failure, .cancelled?):
            throw Failure(state: .cancelled, failure: nil, message: "\(name): cancelled; the statement was cancelled")
        case (.failure(let error), nil):
            let location = context.location(of: error, in: origin, firstLine: firstLine)
            let rolledBack = transactional && error.kind != .connection ? " (rolled back)" : ""
            throw Failure(
                state: .failed, failure: .failed, message: "\(location): \(error)\(rolledBack)",
                retryable: transactional && error.isTransient)
        }
    }
}

extension Attempt {
    /// What a once-only unit's failure makes of the attempt. A statement stopped by the run's cancellation reads as
    /// failed; it is the cancellation.
    init(_ failure: OnceUnit.Failure) {
        let cancelled = Task.isCancelled && failure.state == .failed
        self.init(
            state: cancelled ? .cancelled : failure.state, failure: cancelled ? nil : failure.failure,
            error: failure.message, exitCode: failure.exitCode, isTransient: failure.retryable)
    }
}

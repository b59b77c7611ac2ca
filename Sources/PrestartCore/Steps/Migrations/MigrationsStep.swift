import Logging
import PrestartDatabase
import PrestartSystem

/// `kind = "migrations"`, and `once = true` on command and sql steps: once-only units applied in order under
/// the ledger lock, each skipped when the ledger says it was applied.
enum MigrationsStep {
    static func run(_ step: Step, units: [OnceUnit], context: StepContext) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = StepOutcome(name: step.name, kind: step.kind.name, state: .failed, attempts: 1, startedAt: .now)
        let logger = context.logger
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        guard let ledger = context.ledger else {
            outcome.failure = .failed
            outcome.error = "once-only work needs the database's ledger"
            return outcome
        }
        do throws(LedgerError) {
            try await ledger.open(for: step.name)
        } catch {
            if Task.isCancelled {
                outcome.state = .cancelled
                outcome.error = "cancelled while waiting for the migration lock"
            } else {
                outcome.failure = error.failure
                outcome.error = error.description
            }
            outcome.duration = clock.now - start
            return outcome
        }
        var applied = 0
        for unit in units {
            if !context.forceOnce, let entry = await ledger.entry(named: unit.name), entry.status == .applied {
                continue
            }
            guard !Task.isCancelled else {
                outcome.state = .cancelled
                outcome.error = "cancelled before \(unit.name)"
                break
            }
            let unitStart = clock.now
            var attempt = 1
            while true {
                do throws(OnceUnit.Failure) {
                    try await unit.apply(ledger: ledger, context: context)
                    applied += 1
                    if units.count > 1 || unit.name != step.name {
                        logger.info("applied \(unit.name) in \(DurationText.format(clock.now - unitStart))", metadata: metadata)
                    }
                    break
                } catch {
                    // Only a rolled-back transaction that failed for a reason a retry can fix runs again.
                    if error.retryable, attempt <= step.retries, !Task.isCancelled,
                        await context.pauseBeforeRetry(step, after: attempt, failure: error.message)
                    {
                        attempt += 1
                        outcome.attempts = max(outcome.attempts, attempt)
                        continue
                    }
                    outcome.state = Task.isCancelled && error.state == .failed ? .cancelled : error.state
                    outcome.failure = outcome.state == .cancelled ? nil : error.failure
                    outcome.error = error.message
                    outcome.exitCode = error.exitCode
                    outcome.duration = clock.now - start
                    return outcome
                }
            }
        }
        if outcome.state != .cancelled {
            outcome.state = applied == 0 ? .alreadyApplied : .succeeded
            if units.count > 1 {
                logger.info("\(applied) applied, \(units.count - applied) already applied", metadata: metadata)
            }
        }
        outcome.duration = clock.now - start
        return outcome
    }

    /// The units a step stands for: its migration files, or itself when it is a `once` step.
    static func units(of step: Step, context: StepContext) -> [OnceUnit] {
        switch step.kind {
        case .migrations(let migrations):
            return migrations.units.map { unit in
                let body: OnceUnit.Body
                switch unit.body {
                case .sql(let utf8, let dialect, let transactional):
                    body = .sql(
                        .unparsed(utf8: utf8, dialect: dialect), parameters: nil, transactional: transactional,
                        origin: unit.file, firstLine: 1)
                case .executable:
                    // The libpq form: a script's psql or psycopg reads it as is.
                    var environment = ["PRESTART_STEP": unit.name]
                    environment["DATABASE_URL"] = context.database?.url.childProcessURL
                    body = .process(argv: [unit.file], environment: environment)
                }
                return OnceUnit(name: unit.name, step: step, checksum: unit.checksum, body: body)
            }
        case .sql(let sql):
            return [
                OnceUnit(
                    name: step.name, step: step, checksum: sql.checksum,
                    body: .sql(
                        .parsed(sql.script), parameters: sql.parameters, transactional: true, origin: sql.origin,
                        firstLine: sql.firstLine))
            ]
        case .command(let argv):
            return [OnceUnit(name: step.name, step: step, checksum: nil, body: .process(argv: argv, environment: [:]))]
        case .wait, .schema, .alembic:
            return []
        }
    }
}

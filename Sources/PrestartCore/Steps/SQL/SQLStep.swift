import Logging
import PrestartDatabase
import PrestartSystem

/// `kind = "sql"`: the whole script in one transaction, parameters bound by the driver. A failure names the
/// file, the line of the failing statement, SQLSTATE and the server's words, and rolls everything back.
/// `retries` re-runs the transaction only after errors a retry can fix (serialization failure, deadlock,
/// lock timeout, lost connection, SQLite busy).
enum SQLStep {
    static func run(_ step: Step, sql: Step.SQL, context: StepContext) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = StepOutcome(name: step.name, kind: step.kind.name, state: .failed, startedAt: .now)
        let pool = context.database!
        let script = sql.script
        let parameters = sql.parameters
        for attempt in 1...(step.retries + 1) {
            outcome.attempts = attempt
            let call = await pool.withConnection(timeout: step.timeout) { connection throws(DatabaseError) in
                do throws(DatabaseError) {
                    try connection.executeTransaction(try script.bound(parameters))
                } catch {
                    throw error.located(in: script, asWritten: false).explainingLockTimeout(on: connection)
                }
            }
            switch (call.result, call.stopped) {
            case (.success, _):
                outcome.state = .succeeded
                outcome.failure = nil
                outcome.error = nil
            case (.failure, let reason?):
                outcome.stopped(reason, timeout: step.timeout)
            case (.failure(let error), nil):
                outcome.state = .failed
                outcome.failure = .failed
                outcome.error = describe(error, sql: sql, context: context)
                guard error.isTransient, attempt <= step.retries, !Task.isCancelled else { break }
                if await context.pauseBeforeRetry(step, after: attempt, failure: outcome.error!) { continue }
                outcome.cancelledBeforeRetry()
            }
            break
        }
        outcome.duration = clock.now - start
        return outcome
    }

    /// `seed/superuser.sql:3: ERROR 42P01: relation "nope" does not exist (rolled back)`.
    static func describe(_ error: DatabaseError, sql: Step.SQL, context: StepContext) -> String {
        let rolledBack = error.kind == .connection ? "" : " (rolled back)"
        return "\(location(of: error, origin: sql.origin, firstLine: sql.firstLine, context: context)): \(error)\(rolledBack)"
    }

    /// `seed/superuser.sql:3`: the file relative to the config's folder, and the line of the failing statement.
    static func location(of error: DatabaseError, origin: String, firstLine: Int, context: StepContext) -> String {
        var place = Path.relative(origin, to: context.configDirectory)
        if let line = error.line { place += ":\(firstLine + line - 1)" }
        return place
    }
}

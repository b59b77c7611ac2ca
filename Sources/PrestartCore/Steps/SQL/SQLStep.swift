public import PrestartDatabase
import PrestartSystem

/// `kind = "sql"`: the whole script in one transaction, parameters bound by the driver. A failure names the
/// file, the line of the failing statement, SQLSTATE and the server's words, and rolls everything back.
/// `retries` re-runs the transaction only after errors a retry can fix (serialization failure, deadlock,
/// lock timeout, lost connection, SQLite busy). With `once = true` it is a once-only unit in the ledger.
public struct SQLStep: DatabaseStepKind {
    public static let name = "sql"
    public static let keys: Set<String> = ["file", "sql", "params", "secret"]
    public static let takesOnce = true

    /// The script, parsed for its database.
    public var script: SQLScript
    /// The values its `:name` parameters take.
    public var parameters: [String: String]
    /// Parameters whose values are secrets: masked in every log line and report.
    public var secretNames: [String]
    /// Where the text came from, for errors: the SQL file, or the config file for inline `sql`.
    public var origin: String
    /// The line of `origin` where the text's first line is.
    public var firstLine: Int
    /// SHA-256 of the text, for the ledger of a `once` step.
    public var checksum: String

    public init(
        script: SQLScript, parameters: [String: String], secretNames: [String] = [], origin: String,
        firstLine: Int = 1
    ) {
        self.script = script
        self.parameters = parameters
        self.secretNames = secretNames
        self.origin = origin
        self.firstLine = firstLine
        self.checksum = Checksum.sha256(script.statements.map(\.originalText).joined(separator: ";\n"))
    }

    public var secrets: [String] {
        secretNames.compactMap { parameters[$0] }
    }

    public func attempt(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
        if step.once { return await OnceWork.apply(units(of: step), of: step, context: context) }
        let script = script
        let parameters = parameters
        // Under the run's lock, on its session: replicas run their sql steps one after another, so idempotent DDL
        // (`CREATE EXTENSION IF NOT EXISTS`) never races a twin, and the lock costs no second connection.
        return await database.underLock(step) {
            let call = await database.ledger.withSession(timeout: step.timeout) { connection throws(DatabaseError) in
                do throws(DatabaseError) {
                    try connection.executeTransaction(try script.bound(parameters))
                } catch {
                    throw error.located(in: script, asWritten: false).explainingLockTimeout(on: connection)
                }
            }
            switch (call.result, call.stopped) {
            case (.success, _):
                return .succeeded
            case (.failure, let reason?):
                return .stopped(reason, timeout: step.timeout)
            case (.failure(let error), nil):
                let rolledBack = error.kind == .connection ? "" : " (rolled back)"
                let place = context.location(of: error, in: origin, firstLine: firstLine)
                return .failed("\(place): \(error)\(rolledBack)", transient: error.isTransient)
            }
        }
    }

    public func units(of step: Step) -> [OnceUnit] {
        guard step.once else { return [] }
        return [
            OnceUnit(
                name: step.name, step: step, checksum: checksum,
                body: .sql(
                    .parsed(script), parameters: parameters, transactional: true, origin: origin, firstLine: firstLine))
        ]
    }
}

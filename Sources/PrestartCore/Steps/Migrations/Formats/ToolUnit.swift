import PrestartDatabase
import PrestartSystem

/// One file of another tool's folder, applied as that tool applies it, with prestart's ledger row and (when
/// mirroring) the tool's own.
///
/// - A single part that runs in a transaction (dbmate's usual file): the part, the tool's row and prestart's row in
///   one transaction, so a failure leaves nothing and the next run tries again.
/// - Anything else (golang-migrate's whole-file simple query, dbmate's `transaction:false` or several sections): a
///   `running` row first (golang-migrate's row set dirty with it, as golang-migrate does), the parts, then both rows
///   in one transaction. A failure half-way blocks later runs until `prestart resolve`, as the tool's dirty state
///   does.
struct ToolUnit: Sendable {
    var name: String
    var path: String
    var checksum: String
    var migration: ToolMigration

    func apply(
        _ step: Step, ledger: Ledger, mirror: ToolLedger?, mirrorVersion: String, context: StepContext
    ) async throws(OnceUnit.Failure) {
        let atomic = migration.isAtomicWithLedger
        let application: Ledger.Application
        do throws(LedgerError) {
            application = try await ledger.begin(name, step: step.name, checksum: checksum, transactional: atomic)
        } catch {
            throw OnceUnit.Failure(state: .failed, failure: .failed, message: "\(name): cannot write the ledger: \(error)")
        }
        let rows = (mirror?.appliedStatements(migration, version: mirrorVersion) ?? []) + [ledger.appliedRow(application, dialect: .postgres)]
        let dirty = mirror?.format == .golangMigrate ? mirror!.setVersion(migration.version, dirty: true) : []
        var parts = migration.parts
        for index in parts.indices where !parts[index].substitutedLines.isEmpty {
            // goose ENVSUB: the step's environment, as the statement runs.
            let environment = context.childEnvironment(for: step)
            var lines = parts[index].sql.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for line in parts[index].substitutedLines where lines.indices.contains(line) {
                do throws(Envsub.Failure) {
                    lines[line] = try Envsub.expand(lines[line], environment: environment)
                } catch {
                    let failure = OnceUnit.Failure(
                        state: .failed, failure: .failed,
                        message: "\(Path.relative(path, to: context.configDirectory)):\(parts[index].firstLine + line): "
                            + "ENVSUB: \(error.message)")
                    await ledger.fail(application, error: context.redact(failure.message))
                    throw failure
                }
            }
            parts[index].sql = lines.joined(separator: "\n")
        }
        let runParts = parts
        let call = await ledger.withToolSession(timeout: step.timeout) { connection throws(DatabaseError) in
            guard let postgres = connection as? PostgresConnection else {
                throw .client("another tool's migration folder needs PostgreSQL")
            }
            if atomic {
                try Self.inTransaction(postgres) { () throws(DatabaseError) in
                    for part in runParts { try Self.run(part, on: postgres) }
                    for row in rows { try postgres.execute(row.sql, row.parameters) }
                }
                return
            }
            if !dirty.isEmpty { try postgres.executeTransactionSequentially(dirty) }
            for part in runParts {
                if part.mode == .transaction {
                    try Self.inTransaction(postgres) { () throws(DatabaseError) in try Self.run(part, on: postgres) }
                } else {
                    try Self.run(part, on: postgres)
                }
            }
            try postgres.executeTransactionSequentially(rows)
        }
        let failure: OnceUnit.Failure
        switch (call.result, call.stopped) {
        case (.success, _):
            do throws(LedgerError) {
                try await ledger.finish(application)
            } catch {
                throw OnceUnit.Failure(state: .failed, failure: .failed, message: "\(name): cannot write the ledger: \(error)")
            }
            return
        case (.failure, .timedOut?):
            failure = OnceUnit.Failure(
                state: .timedOut, failure: .timedOut,
                message: "\(name): timed out after \(DurationText.format(step.timeout ?? .zero)); the statement was cancelled")
        case (.failure, .cancelled?):
            failure = OnceUnit.Failure(state: .cancelled, failure: nil, message: "\(name): cancelled; the statement was cancelled")
        case (.failure(let error), nil):
            let location = context.location(of: error, in: path, firstLine: 1)
            let rolledBack = atomic && error.kind != .connection ? " (rolled back)" : ""
            failure = OnceUnit.Failure(
                state: .failed, failure: .failed, message: "\(location): \(error)\(rolledBack)",
                retryable: atomic && error.isTransient)
        }
        await ledger.fail(application, error: context.redact(failure.message))
        throw failure
    }

    private static func inTransaction(
        _ connection: PostgresConnection, _ body: () throws(DatabaseError) -> Void
    ) throws(DatabaseError) {
        try connection.begin()
        do {
            try body()
            try connection.commit()
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// One part as one simple-query string; an error carries the file's line at the server's position.
    private static func run(_ part: ToolMigration.Part, on connection: PostgresConnection) throws(DatabaseError) {
        do {
            try connection.executeSimpleQuery(part.sql)
        } catch {
            var located = error
            located.line = part.firstLine + Self.newlines(in: part.sql, before: error.position ?? 1)
            throw located
        }
    }

    /// Line breaks among the first `position - 1` characters (PostgreSQL counts code points, from 1).
    static func newlines(in text: String, before position: Int) -> Int {
        text.unicodeScalars.prefix(max(position - 1, 0)).reduce(0) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

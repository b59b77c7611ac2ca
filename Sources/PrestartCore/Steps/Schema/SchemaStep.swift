import Glibc
import Logging
public import PrestartDatabase
import PrestartSystem

/// `kind = "schema"`: SQLAlchemy's `create_all`, natively, plus the drift report it never gives.
///
/// The database parses the file: it runs in a shadow (a temporary schema on PostgreSQL, inside a transaction
/// that is always rolled back; a private in-memory database on SQLite), and after each statement the
/// catalogs say what it created. On PostgreSQL that lesson is cached in the database under the file's
/// checksum, so a warm start only reads the real catalogs. Statements that create something missing in the real database (a table
/// with its indexes and constraints, a type, an extension) then run there, in file order, in one
/// transaction, under a lock that makes concurrent replicas create each table once. Nothing is dropped or
/// altered; tables that already exist are compared with their shadow twins.
public struct SchemaStep: DatabaseStepKind {
    public static let name = "schema"
    public static let keys: Set<String> = ["file", "drift"]

    /// Serializes the creating transaction across replicas (`pg_try_advisory_xact_lock`, polled).
    static let lockKey: Int64 = LedgerLock.advisoryKey + 1

    struct Outcome: Sendable {
        var created: [String]
        var drift: [String]
    }

    /// A DDL file exported from the models.
    public var file: String
    public var script: SQLScript
    public var drift: DriftPolicy
    /// SHA-256 of the file: the key of what its shadow run taught.
    public var checksum: String

    public init(file: String, script: SQLScript, drift: DriftPolicy, checksum: String) {
        self.file = file
        self.script = script
        self.drift = drift
        self.checksum = checksum
    }

    /// What to do about existing tables that no longer match the file.
    public enum DriftPolicy: String, Sendable, CaseIterable {
        case warn, fail, ignore
    }

    /// The work is one transaction: after an error a retry can fix, the engine runs it again whole.
    public func attempt(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
        // Under the run's lock, on its session: replicas create one after another (see Ledger).
        return await database.underLock(step) { await create(step, in: context, database: database) }
    }

    private func create(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
        let script = script
        let checksum = checksum
        let name = step.name
        let call = await database.ledger.withSession(timeout: step.timeout) { connection throws(DatabaseError) in
            do throws(DatabaseError) {
                return connection.dialect == .postgres
                    ? try Self.postgres(script, step: name, checksum: checksum, connection)
                    : try Self.sqlite(script, connection)
            } catch {
                throw error.explainingLockTimeout(on: connection)
            }
        }
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        switch (call.result, call.stopped) {
        case (.success(let result), _):
            var attempt = Attempt.succeeded
            if !result.created.isEmpty {
                context.logger.info("created \(result.created.joined(separator: ", "))", metadata: metadata)
            }
            if drift != .ignore {
                attempt.drift = result.drift
                for line in result.drift { context.logger.warning("drift: \(line)", metadata: metadata) }
            }
            if drift == .fail, !result.drift.isEmpty {
                attempt.state = .failed
                attempt.failure = .failed
                attempt.error =
                    "the database differs from \(Path.relative(file, to: context.configDirectory)) in \(result.drift.count) place(s) (drift = \"fail\"): "
                    + result.drift.joined(separator: "; ")
            }
            return attempt
        case (.failure, let reason?):
            return .stopped(reason, timeout: step.timeout)
        case (.failure(let error), nil):
            let place = context.location(of: error, in: file, firstLine: 1)
            return .failed("\(place): \(error) (rolled back)", transient: error.isTransient)
        }
    }

    private static func postgres(
        _ script: SQLScript, step: String, checksum: String, _ connection: any DatabaseConnection
    ) throws(DatabaseError) -> Outcome {
        let real = try connection.query("SELECT current_schema()").first?.first ?? nil
        guard let real else {
            throw .client("No schema to create tables in: search_path names no existing schema.")
        }
        let realCatalog = PostgresCatalog(connection: connection, namespace: real)
        let lesson: SchemaCache
        if let cached = SchemaCache.load(step: step, checksum: checksum, connection) {
            lesson = cached
        } else {
            lesson = try shadow(script, connection)
            lesson.store(step: step, checksum: checksum, connection)
        }
        let plan = try plan(lesson, realCatalog)
        guard !plan.statements.isEmpty else { return Outcome(created: [], drift: plan.drift) }
        return try create(plan, lesson: lesson, catalog: realCatalog, script: script, connection) {
            () throws(DatabaseError) in
            // While another replica holds the lock, each try waits 20 ms on the server, so a cancel (the step's
            // timeout, a signal) lands inside a statement and ends the loop; with the pause between statements it
            // mostly found none running, and a SIGTERM took seconds to stop the step.
            let tryLock = "SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN true ELSE (SELECT false FROM pg_sleep(0.02)) END"
            while try connection.query(tryLock, [String(lockKey)]).first?.first != "t" {}
            try connection.execute("SELECT set_config('search_path', $1, true)", [quoted(real)])
        }
    }

    /// In one transaction, after `prepare` (the lock, where the database needs one): plans again, since another
    /// replica may have created it all while this one looked, then creates what is still missing and commits. Rolled
    /// back on any error.
    private static func create(
        _ plan: SchemaPlan, lesson: SchemaCache, catalog: some SchemaCatalog, script: SQLScript,
        _ connection: any DatabaseConnection, after prepare: () throws(DatabaseError) -> Void = {}
    ) throws(DatabaseError) -> Outcome {
        try connection.begin()
        do throws(DatabaseError) {
            try prepare()
            var again = try self.plan(lesson, catalog)
            again.drift = plan.drift
            for index in again.statements { try connection.executeAsWritten(script.statements[index]) }
            try connection.commit()
            return Outcome(created: again.newTables, drift: again.drift)
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// Runs the file in a shadow schema that lives only inside a transaction which is rolled back on every
    /// path: never seen by anyone else, never left behind.
    private static func shadow(_ script: SQLScript, _ connection: any DatabaseConnection) throws(DatabaseError) -> SchemaCache {
        let shadow = "prestart_shadow_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try connection.begin()
        defer { connection.rollback() }
        try connection.execute("CREATE SCHEMA \(shadow)")
        try connection.execute("SELECT set_config('search_path', $1, true)", [shadow])
        let (created, declared) = try learn(script, connection, PostgresCatalog(connection: connection, namespace: shadow))
        return SchemaCache(created: created, declared: declared)
    }

    /// The real catalogs against the lesson. Standalone objects (types, extensions, functions) are looked up
    /// only when the file creates some.
    private static func plan(_ lesson: SchemaCache, _ catalog: some SchemaCatalog) throws(DatabaseError) -> SchemaPlan {
        let needsObjects = lesson.created.contains { $0.contains { if case .standalone = $0 { true } else { false } } }
        return SchemaPlan.make(
            created: lesson.created, declared: lesson.declared, existing: needsObjects ? try catalog.objects() : [],
            existingTables: try catalog.tables())
    }

    private static func sqlite(_ script: SQLScript, _ connection: any DatabaseConnection) throws(DatabaseError) -> Outcome {
        let shadow = try SQLiteConnection.open(path: ":memory:", busyTimeout: .seconds(1))
        defer { shadow.close() }
        let (created, declared) = try learn(script, shadow, SQLiteCatalog(connection: shadow))
        let lesson = SchemaCache(created: created, declared: declared)
        let realCatalog = SQLiteCatalog(connection: connection)
        let plan = try plan(lesson, realCatalog)
        guard !plan.statements.isEmpty else { return Outcome(created: [], drift: plan.drift) }
        // `begin` is BEGIN IMMEDIATE: the write lock first, so two replicas cannot both decide to create a table.
        return try create(plan, lesson: lesson, catalog: realCatalog, script: script, connection)
    }

    /// Runs the file in the shadow, noting what each statement created, and reads back the declared tables.
    private static func learn(
        _ script: SQLScript, _ connection: any DatabaseConnection, _ catalog: some SchemaCatalog
    ) throws(DatabaseError) -> ([Set<SchemaObject>], [String: TableShape]) {
        var before = try catalog.objects()
        var created: [Set<SchemaObject>] = []
        for statement in script.statements {
            try connection.executeAsWritten(statement)
            let after = try catalog.objects()
            created.append(after.subtracting(before))
            before = after
        }
        return (created, try catalog.tables())
    }

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }
}

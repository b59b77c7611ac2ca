import Glibc
import Logging
public import PrestartDatabase
import PrestartSystem

/// `kind = "schema"`: SQLAlchemy's `create_all`, natively, plus the drift report it never gives, and with
/// `drift = "apply"` the additive changes it never makes.
///
/// The database parses the file: it runs in a shadow (a temporary schema on PostgreSQL, inside a transaction
/// that is always rolled back; a private in-memory database on SQLite), and after each statement the
/// catalogs say what it created. On PostgreSQL that lesson is cached in the database under the file's
/// checksum, so a warm start only reads the real catalogs. Statements that create something missing in the real
/// database (a table with its indexes and constraints, a type, an extension) then run there, in file order, in one
/// transaction, under a lock that makes concurrent replicas create each table once. Tables that already exist are
/// compared with their shadow twins (``SchemaDiff``); `drift = "apply"` then applies the differences that are safe
/// to apply while the app runs (``SchemaStep/apply(_:of:step:context:database:)``), and nothing else.
public struct SchemaStep: DatabaseStepKind {
    public static let name = "schema"
    public static let keys: Set<String> = ["file", "drift", "unsafe"]

    /// Serializes the creating transaction across replicas (`pg_try_advisory_xact_lock`, polled).
    static let lockKey: Int64 = LedgerLock.advisoryKey + 1

    /// What the step found and created, under the lock.
    struct Outcome: Sendable {
        var plan: SchemaPlan
        /// Tables created, with the SHA-256 of the statements that created each.
        var created: [(table: String, checksum: String)]
    }

    /// A DDL file exported from the models.
    public var file: String
    public var script: SQLScript
    public var drift: DriftPolicy
    /// With `drift = "apply"`: what a difference that is not applied means.
    public var unsafe: UnsafePolicy
    /// SHA-256 of the file: the key of what its shadow run taught.
    public var checksum: String

    public init(file: String, script: SQLScript, drift: DriftPolicy, unsafe: UnsafePolicy = .warn, checksum: String) {
        self.file = file
        self.script = script
        self.drift = drift
        self.unsafe = unsafe
        self.checksum = checksum
    }

    /// What to do about existing tables that no longer match the file.
    public enum DriftPolicy: String, Sendable, CaseIterable {
        case warn, fail, ignore
        /// Apply the additive changes that keep the table readable and writable; the others as `unsafe` says.
        case apply
    }

    /// With `drift = "apply"`, what a difference that is not applied (a type change, …) does to the step.
    public enum UnsafePolicy: String, Sendable, CaseIterable {
        case warn, fail
    }

    /// The work is one transaction, then one per change applied: after an error a retry can fix, the engine runs it
    /// again whole, and what was done is not there to do again.
    public func attempt(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
        // Under the run's lock, on its session: replicas create and apply one after another (see Ledger).
        return await database.underLock(step) { await run(step, in: context, database: database) }
    }

    private func run(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
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
        let outcome: Outcome
        switch (call.result, call.stopped) {
        case (.success(let result), _):
            outcome = result
        case (.failure, let reason?):
            return .stopped(reason, timeout: step.timeout)
        case (.failure(let error), nil):
            let place = context.location(of: error, in: file, firstLine: 1)
            return .failed("\(place): \(error) (rolled back)", transient: error.isTransient)
        }
        if !outcome.created.isEmpty {
            context.logger.info(
                "created \(outcome.created.map(\.table).joined(separator: ", "))", metadata: metadata)
        }
        var attempt = Attempt.succeeded
        var left = outcome.plan.changes
        if drift == .apply {
            let (applied, failure) = await apply(left, of: outcome, step: step, context: context, database: database)
            if var failure {
                failure.applied = applied
                return failure
            }
            attempt.applied = applied
            left = left.filter { !$0.isSafe }
        }
        guard drift != .ignore else { return attempt }
        attempt.drift = left.map(\.drift)
        for change in left {
            if drift == .apply, case .unsafe(let reason, _) = change.remedy {
                context.logger.warning(
                    "drift: \(change.drift) (not applied: \(reason); `prestart schema-diff \(step.name)` writes the migration)",
                    metadata: metadata)
            } else {
                context.logger.warning("drift: \(change.drift)", metadata: metadata)
            }
        }
        if !left.isEmpty, drift == .fail || (drift == .apply && unsafe == .fail) {
            let setting = drift == .fail ? "drift = \"fail\"" : "unsafe = \"fail\""
            attempt.state = .failed
            attempt.failure = .failed
            attempt.error =
                "the database differs from \(Path.relative(file, to: context.configDirectory)) in \(left.count) place(s) (\(setting)): "
                + left.map(\.drift).joined(separator: "; ")
        }
        return attempt
    }

    private static func postgres(
        _ script: SQLScript, step: String, checksum: String, _ connection: any DatabaseConnection
    ) throws(DatabaseError) -> Outcome {
        let (lesson, realCatalog) = try lesson(script, step: step, checksum: checksum, connection, store: true)
        let plan = try plan(lesson, realCatalog)
        guard !plan.statements.isEmpty else { return Outcome(plan: plan, created: []) }
        return try create(plan, lesson: lesson, catalog: realCatalog, script: script, connection) {
            () throws(DatabaseError) in
            // While another replica holds the lock, each try waits 20 ms on the server, so a cancel (the step's
            // timeout, a signal) lands inside a statement and ends the loop; with the pause between statements it
            // mostly found none running, and a SIGTERM took seconds to stop the step.
            let tryLock = "SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN true ELSE (SELECT false FROM pg_sleep(0.02)) END"
            while try connection.query(tryLock, [String(lockKey)]).first?.first != "t" {}
            try connection.execute("SELECT set_config('search_path', $1, true)", [SchemaDiff.quote(realCatalog.namespace)])
        }
    }

    /// What the file declares, from the cache or a shadow run (stored in the cache when `store`), and the catalog of
    /// the schema the file is for.
    static func lesson(
        _ script: SQLScript, step: String, checksum: String, _ connection: any DatabaseConnection, store: Bool
    ) throws(DatabaseError) -> (SchemaCache, PostgresCatalog) {
        let loaded = SchemaCache.load(step: step, checksum: checksum, connection)
        let current: String?
        if let loaded {
            current = loaded.currentSchema
        } else {
            current = try connection.query("SELECT current_schema()").first?.first ?? nil
        }
        guard let real = current else {
            throw .client("No schema to create tables in: search_path names no existing schema.")
        }
        let catalog = PostgresCatalog(connection: connection, namespace: real)
        if let cached = loaded?.cache { return (cached, catalog) }
        let lesson = try shadow(script, connection)
        if store { lesson.store(step: step, checksum: checksum, connection) }
        return (lesson, catalog)
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
            let again = try self.plan(lesson, catalog)
            for index in again.statements { try connection.executeAsWritten(script.statements[index]) }
            try connection.commit()
            let created = again.newTables.map { table in
                let statements = SchemaPlan.statements(creating: table, in: lesson.created)
                return (table, Checksum.sha256(statements.map { script.statements[$0].originalText }.joined(separator: ";\n")))
            }
            return Outcome(plan: plan, created: created)
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// Runs the file in a shadow schema that lives only inside a transaction which is rolled back on every
    /// path: never seen by anyone else, never left behind (also from a read-only session: `plan` and `schema-diff`
    /// learn this way when the cache has no lesson).
    private static func shadow(_ script: SQLScript, _ connection: any DatabaseConnection) throws(DatabaseError) -> SchemaCache {
        let shadow = "prestart_shadow_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try connection.begin()
        defer { connection.rollback() }
        try connection.execute("SET TRANSACTION READ WRITE")
        try connection.execute("CREATE SCHEMA \(shadow)")
        try connection.execute("SELECT set_config('search_path', $1, true)", [shadow])
        let catalog = PostgresCatalog(connection: connection, namespace: shadow, definitions: true)
        var (created, declared) = try learn(script, connection, catalog)
        try catalog.markColumnsThatRewrite(&declared)
        return SchemaCache(created: created, declared: declared)
    }

    /// The real catalogs against the lesson. Standalone objects (types, extensions, functions) are looked up
    /// only when the file creates some; rows are counted only where a change depends on them.
    static func plan(_ lesson: SchemaCache, _ catalog: some SchemaCatalog) throws(DatabaseError) -> SchemaPlan {
        let needsObjects = lesson.created.contains { $0.contains { if case .standalone = $0 { true } else { false } } }
        let existing = needsObjects ? try catalog.objects() : []
        let tables = try catalog.tables()
        var withRows: Set<String> = []
        for table in SchemaPlan.tablesToCount(declared: lesson.declared, existingTables: tables)
        where try catalog.hasRows(table) {
            withRows.insert(table)
        }
        return SchemaPlan.make(
            created: lesson.created, declared: lesson.declared, existing: existing, existingTables: tables,
            dialect: catalog.dialect, tablesWithRows: withRows)
    }

    private static func sqlite(_ script: SQLScript, _ connection: any DatabaseConnection) throws(DatabaseError) -> Outcome {
        let (lesson, realCatalog) = try sqliteLesson(script, connection)
        let plan = try plan(lesson, realCatalog)
        guard !plan.statements.isEmpty else { return Outcome(plan: plan, created: []) }
        // `begin` is BEGIN IMMEDIATE: the write lock first, so two replicas cannot both decide to create a table.
        return try create(plan, lesson: lesson, catalog: realCatalog, script: script, connection)
    }

    /// What the file declares, from a private in-memory database, and the real database's catalog.
    static func sqliteLesson(
        _ script: SQLScript, _ connection: any DatabaseConnection
    ) throws(DatabaseError) -> (SchemaCache, SQLiteCatalog) {
        let shadow = try SQLiteConnection.open(path: ":memory:", busyTimeout: .seconds(1))
        defer { shadow.close() }
        let (created, declared) = try learn(script, shadow, SQLiteCatalog(connection: shadow))
        return (SchemaCache(created: created, declared: declared), SQLiteCatalog(connection: connection))
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
}

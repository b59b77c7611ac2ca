import Glibc
import PrestartTestSupport
import Testing

@testable import PrestartCore
import PrestartDatabase
import PrestartSystem

/// `format = "golang-migrate" | "dbmate"` through the built binary on real PostgreSQL: the tool applies the first part
/// (dbmate for real; golang-migrate's rows written exactly as its source writes them), prestart adopts its ledger and
/// applies the rest exactly once, keeps the tool's ledger and lock true, and refuses what the tool would stop on.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct ToolFormatTests {
    func project(
        url: String, format: String, files: [String: String], extra: String = ""
    ) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(url)"
            lock-timeout = "2m"

            [steps.migrations]
            kind = "migrations"
            dir = "db/migrations"
            format = "\(format)"
            \(extra)
            """)
        mkdir(directory.path + "/db", 0o755)
        mkdir(directory.path + "/db/migrations", 0o755)
        for (name, text) in files { try directory.write("db/migrations/" + name, text) }
        return directory
    }

    func up(_ directory: TemporaryDirectory) throws -> PrestartProcess {
        try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
    }

    // MARK: golang-migrate

    /// golang-migrate's `ensureVersionTable` and `SetVersion` (`database/postgres/postgres.go`).
    func golangMigrateApplied(_ connection: PostgresConnection, version: Int, dirty: Bool = false) throws {
        try connection.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null)")
        try connection.executeTransactionSequentially([
            ("TRUNCATE schema_migrations", []),
            ("INSERT INTO schema_migrations (version, dirty) VALUES ($1, $2)", [String(version), dirty ? "t" : "f"]),
        ])
    }

    let golangFiles = [
        "0001_users.up.sql": "CREATE TABLE users (id int);\n",
        "0001_users.down.sql": "DROP TABLE users;\n",
        "0002_orders.up.sql": "CREATE TABLE orders (id int);\nINSERT INTO orders VALUES (1);\n",
        "3_index.up.sql": "CREATE INDEX CONCURRENTLY orders_id ON orders (id);\n",
        "README.md": "golang-migrate ignores this\n",
    ]

    @Test func golangMigrateIsAdoptedAppliedOnceAndKeptTrue() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE users (id int)")
        try golangMigrateApplied(connection, version: 1)
        let directory = try project(url: database.url, format: "golang-migrate", files: golangFiles)

        let first = try up(directory)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("adopted 1 applied migrations from golang-migrate's schema_migrations (version 1)"))
        #expect(first.stderr.contains("applied migrations/3_index.up.sql"), "a lone CONCURRENTLY runs as golang-migrate runs it")
        #expect(try connection.value("SELECT count(*) FROM orders") == "1")
        #expect(try connection.query("SELECT version, dirty FROM schema_migrations") == [["3", "f"]])
        #expect(
            try connection.query("SELECT name, adopted FROM prestart_ledger ORDER BY name") == [
                ["migrations/0001_users.up.sql", "golang-migrate's schema_migrations"],
                ["migrations/0002_orders.up.sql", nil], ["migrations/3_index.up.sql", nil],
            ])

        let second = try up(directory)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("already-applied"))
        #expect(!second.stderr.contains("adopted"))

        let status = try PrestartProcess.run(["status"], in: directory)
        #expect(status.stdout.contains("adopted from golang-migrate's schema_migrations"), "\(status.stdout)")

        try directory.write("db/migrations/0001_users.up.sql", "CREATE TABLE users (id bigint);\n")
        let edited = try up(directory)
        #expect(edited.exitCode == 65)
        #expect(edited.stderr.contains("migrations/0001_users.up.sql was applied with checksum"))
    }

    @Test func planShowsWhatAdoptionWouldImportAndCheckWhatTheToolIgnores() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try golangMigrateApplied(connection, version: 2)
        let directory = try project(url: database.url, format: "golang-migrate", files: golangFiles)
        let plan = try PrestartProcess.run(["plan"], in: directory)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        #expect(plan.stdout.contains("migrations/0002_orders.up.sql  adopt: applied according to golang-migrate's schema_migrations (version 2)"), "\(plan.stdout)")
        #expect(plan.stdout.contains("migrations/3_index.up.sql      pending"), "\(plan.stdout)")
        #expect(try connection.value("SELECT to_regclass('prestart_ledger') IS NULL") == "t", "plan creates nothing")
        try golangMigrateApplied(connection, version: 2, dirty: true)
        let dirty = try PrestartProcess.run(["plan"], in: directory)
        #expect(dirty.exitCode == 65)
        #expect(dirty.stdout.contains("blocked: golang-migrate's schema_migrations is dirty at version 2"))
        let check = try PrestartProcess.run(["check", "--log-format", "text"], in: directory)
        #expect(check.exitCode == 0)
        #expect(check.stderr.contains("db/migrations/README.md: ignored, as golang-migrate ignores it"), "\(check.stderr)")
    }

    @Test(arguments: [
        (1, true, "is dirty at version 1"),
        (9, false, "records version 9 as applied, but no file in the folder has that version"),
    ])
    func aLedgerTheToolWouldStopOnIsRefusedWithNothingImported(version: Int, dirty: Bool, message: String) throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try golangMigrateApplied(connection, version: version, dirty: dirty)
        let directory = try project(url: database.url, format: "golang-migrate", files: golangFiles)
        let run = try up(directory)
        #expect(run.exitCode == 65)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger") == "0")
        #expect(try connection.value("SELECT to_regclass('orders') IS NULL") == "t")
    }

    @Test func aPendingVersionBelowTheAppliedOneIsRefusedUnlessOutOfOrderApply() throws {
        let database = try TestDatabase.createDatabase()
        var files = ["1_a.up.sql": "CREATE TABLE a (id int);\n", "5_e.up.sql": "CREATE TABLE e (id int);\n"]
        let directory = try project(url: database.url, format: "golang-migrate", files: files)
        #expect(try up(directory).exitCode == 0)
        files["3_c.up.sql"] = "CREATE TABLE c (id int);\n"
        try directory.write("db/migrations/3_c.up.sql", files["3_c.up.sql"]!)
        let refused = try up(directory)
        #expect(refused.exitCode == 65)
        #expect(refused.stderr.contains("db/migrations/3_c.up.sql (version 3) is pending, but version 5 is already applied"))
        #expect(refused.stderr.contains("out-of-order = \"apply\""))

        let applying = try project(url: database.url, format: "golang-migrate", files: files, extra: "out-of-order = \"apply\"")
        let run = try up(applying)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT to_regclass('c') IS NOT NULL") == "t")
        #expect(try connection.query("SELECT version, dirty FROM schema_migrations") == [["5", "f"]])
    }

    @Test func aFailedFileLeavesTheToolDirtyAndBlocksAsGolangMigrateDoes() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            url: database.url, format: "golang-migrate",
            files: ["1_a.up.sql": "CREATE TABLE a (id int);\n", "2_b.up.sql": "CREATE TABLE b (id int);\nSELEC 1;\n"])
        let failed = try up(directory)
        #expect(failed.exitCode == 1)
        #expect(failed.stderr.contains("db/migrations/2_b.up.sql:2:"), "\(failed.stderr)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.query("SELECT version, dirty FROM schema_migrations") == [["2", "t"]])
        #expect(try connection.value("SELECT to_regclass('b') IS NULL") == "t", "one simple query: all or nothing")
        #expect(try up(directory).exitCode == 65)
    }

    @Test func anOldGolangMigrateHoldingItsLockMakesPrestartWait() throws {
        let database = try TestDatabase.createDatabase()
        let old = try TestDatabase.connect(to: database.name)
        defer { old.close() }
        let key = try #require(
            ToolLedger(format: .golangMigrate, table: "schema_migrations").lockKey(schema: "public", database: database.name))
        try old.execute("SELECT pg_advisory_lock($1)", [String(key)])
        let directory = try project(
            url: database.url, format: "golang-migrate", files: ["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        try directory.write("prestart.toml", directory.read("prestart.toml").replacing("\"2m\"", with: "\"1s\""))
        let waited = try up(directory)
        #expect(waited.exitCode == 75, "\(waited.stderr)")
        #expect(waited.stderr.contains("golang-migrate's own lock"))
        try old.execute("SELECT pg_advisory_unlock($1)", [String(key)])
        #expect(try up(directory).exitCode == 0)
    }

    @Test func eightReplicasAdoptingAtOnceImportExactlyOnce() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        var files: [String: String] = [:]
        for number in 1...60 { files["\(number)_m\(number).up.sql"] = "CREATE TABLE m\(number) (id int);\n" }
        for number in 1...50 { try connection.execute("CREATE TABLE m\(number) (id int)") }
        try golangMigrateApplied(connection, version: 50)
        let directory = try project(url: database.url, format: "golang-migrate", files: files)
        let replicas = try (0..<8).map { _ in try PrestartProcess(["up", "--log-format", "text"], in: directory) }
        let codes = replicas.map { $0.wait() }
        #expect(codes == Array(repeating: 0, count: 8), "\(replicas.map(\.stderr).joined())")
        #expect(replicas.filter { $0.stderr.contains("adopted 50 applied migrations") }.count == 1)
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE adopted IS NOT NULL") == "50")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "60")
        #expect(try connection.query("SELECT version, dirty FROM schema_migrations") == [["60", "f"]])
    }

    @Test func mirrorFalseLeavesTheToolsTableAlone() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            url: database.url, format: "golang-migrate", files: ["1_a.up.sql": "CREATE TABLE a (id int);\n"],
            extra: "mirror = false")
        #expect(try up(directory).exitCode == 0)
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT to_regclass('schema_migrations') IS NULL") == "t")
    }

    @Test func aToolTableOfAnotherShapeIsNotAdopted() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE schema_migrations (version varchar(255) primary key)")
        try connection.execute("INSERT INTO schema_migrations VALUES ('1')")
        let directory = try project(
            url: database.url, format: "golang-migrate", files: ["1_a.up.sql": "CREATE TABLE a (id int);\n"])
        let run = try up(directory)
        #expect(run.exitCode == 65)
        #expect(run.stderr.contains("not golang-migrate's (version bigint, dirty boolean)"), "\(run.stderr)")
    }

    /// A ledger written by a prestart of schema version 1 is upgraded in place, its rows kept.
    @Test func aVersionOneLedgerIsUpgraded() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute(
            """
            CREATE TABLE prestart_ledger (name text PRIMARY KEY, step text NOT NULL, checksum text,
                status text NOT NULL CHECK (status IN ('running', 'applied', 'failed')), transactional boolean NOT NULL,
                started_at timestamptz NOT NULL, finished_at timestamptz, duration_ms bigint, host text NOT NULL,
                pid integer NOT NULL, prestart_version text NOT NULL, error text)
            """)
        try connection.execute("CREATE TABLE prestart_ledger_version (version integer NOT NULL)")
        try connection.execute("INSERT INTO prestart_ledger_version VALUES (1)")
        try connection.execute(
            "INSERT INTO prestart_ledger VALUES ('seed', 'seed', NULL, 'applied', true, now(), now(), 1, 'old', 1, '0.1', NULL)")
        let status = try PrestartProcess.run(["status"], in: try project(url: database.url, format: "dbmate", files: [:]))
        #expect(status.exitCode == 0, "status reads a version-1 ledger: \(status.stderr)")
        let directory = try project(
            url: database.url, format: "dbmate", files: ["1_a.sql": "-- migrate:up\nCREATE TABLE a ();\n-- migrate:down\n"])
        let run = try up(directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(try connection.value("SELECT max(version) FROM prestart_ledger_version") == "2")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE adopted IS NULL") == "2")
    }

    // MARK: goose

    /// goose's `createVersionTable` (the sentinel row 0) and `InsertVersion` (`internal/dialects/postgres.go`).
    func gooseApplied(_ connection: PostgresConnection, versions: [Int], notApplied: [Int] = []) throws {
        if try connection.value("SELECT to_regclass('goose_db_version') IS NULL") == "t" {
            try connection.execute(
                """
                CREATE TABLE goose_db_version (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY,
                  version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now())
                """)
            try connection.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true)")
        }
        for version in versions {
            try connection.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)", [String(version)])
        }
        // Old goose recorded a down as a newer row with is_applied = false.
        for version in notApplied {
            try connection.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, false)", [String(version)])
        }
    }

    let gooseFiles = [
        "00001_users.sql": "-- +goose Up\nCREATE TABLE users (id int);\n\n-- +goose Down\nDROP TABLE users;\n",
        "00002_backfill.go": "package migrations\n",
        "00003_function.sql": """
            -- +goose up
            -- +goose statementbegin
            CREATE FUNCTION answer() RETURNS int AS $$
            BEGIN
              RETURN 42;
            END;
            $$ LANGUAGE plpgsql;
            -- +goose statementend
            -- +goose ENVSUB ON
            CREATE TABLE ${TABLE_PREFIX}notes (id int);
            -- +goose ENVSUB OFF
            -- +goose down
            DROP FUNCTION answer();
            """,
        "00004_index.sql": "-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n",
        "00005_later.go": "package migrations\n",
        "00006_last.sql": "-- +goose Up\nCREATE TABLE last (id int);\n",
    ]

    @Test func gooseGoMigrationsAppliedByGooseAreAdoptedAsExternalAndAPendingOneStopsTheRun() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE users (id int)")
        // goose applied 1 and the Go migration 2; 5 was applied, then rolled back by an old goose.
        try gooseApplied(connection, versions: [1, 2])
        let directory = try project(
            url: database.url, format: "goose", files: gooseFiles, extra: "env = { TABLE_PREFIX = \"app_\" }")

        let first = try up(directory)
        #expect(first.exitCode == 65, "\(first.stderr)")
        #expect(first.stderr.contains("adopted 2 applied migrations from goose's goose_db_version"))
        #expect(first.stderr.contains("db/migrations/00005_later.go is a Go migration, which prestart cannot run"))
        #expect(try connection.value("SELECT answer()") == "42")
        #expect(try connection.value("SELECT to_regclass('app_notes') IS NOT NULL") == "t", "ENVSUB from the step's env")
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_id'::regclass") == "t")
        #expect(try connection.value("SELECT to_regclass('last') IS NULL") == "t", "nothing after the Go migration")
        #expect(
            try connection.query("SELECT name, checksum IS NULL, adopted FROM prestart_ledger ORDER BY name") == [
                ["migrations/00001_users.sql", "f", "goose's goose_db_version"],
                ["migrations/00002_backfill.go", "t", "goose's goose_db_version (external)"],
                ["migrations/00003_function.sql", "f", nil], ["migrations/00004_index.sql", "f", nil],
            ])
        let plan = try PrestartProcess.run(["plan"], in: directory)
        #expect(plan.stdout.contains("migrations/00005_later.go      pending, external"), "\(plan.stdout)")

        // The operator runs goose's own binary, which applies the Go migration and everything after it.
        try connection.execute("CREATE TABLE last (id int)")
        try gooseApplied(connection, versions: [5, 6])
        let second = try up(directory)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("adopted 2 applied migrations from goose's goose_db_version"))
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger") == "6")
        #expect(
            try connection.query(
                """
                SELECT version_id FROM goose_db_version WHERE is_applied AND version_id > 0 ORDER BY version_id
                """).map { $0[0] ?? "" } == ["1", "2", "3", "4", "5", "6"])
        #expect(try up(directory).stderr.contains("already-applied"))
        try directory.write("db/migrations/00001_users.sql", "-- +goose Up\nCREATE TABLE users (id bigint);\n")
        #expect(try up(directory).exitCode == 65)
    }

    /// On a database the tool never ran on, prestart creates the tool's table as the tool would, so the tool finds
    /// what prestart applied.
    @Test(arguments: [
        ("sqlx", ["1_a.sql": "CREATE TABLE a (id int);\n"], "SELECT count(*) FROM _sqlx_migrations WHERE success"),
        ("flyway", ["V1__a.sql": "CREATE TABLE a (id int);\n"], "SELECT count(*) FROM flyway_schema_history WHERE success"),
        ("goose", ["1_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n"], "SELECT count(*) - 1 FROM goose_db_version"),
        ("golang-migrate", ["1_a.up.sql": "CREATE TABLE a (id int);\n"], "SELECT count(*) FROM schema_migrations WHERE NOT dirty"),
    ])
    func onAFreshDatabaseTheToolsTableIsCreatedAndKept(format: String, files: [String: String], count: String) throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, format: format, files: files)
        let run = try up(directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value(count) == "1")
    }

    @Test func gooseRefusesAPendingVersionBelowTheHighestApplied() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE b (id int)")
        try gooseApplied(connection, versions: [2])
        let directory = try project(
            url: database.url, format: "goose",
            files: [
                "1_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n", "2_b.sql": "-- +goose Up\nCREATE TABLE b (id int);\n",
            ])
        let run = try up(directory)
        #expect(run.exitCode == 65)
        #expect(run.stderr.contains("db/migrations/1_a.sql (version 1) is pending, but version 2 is already applied: goose would refuse it"), "\(run.stderr)")
    }

    @Test func aGooseFileThatFailsIsRolledBackWithItsRowsAndRunsAgain() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            url: database.url, format: "goose",
            files: ["1_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\nINSERT INTO nowhere VALUES (1);\n"])
        let failed = try up(directory)
        #expect(failed.exitCode == 1)
        #expect(failed.stderr.contains("db/migrations/1_a.sql:3:"), "\(failed.stderr)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT to_regclass('a') IS NULL") == "t")
        #expect(try connection.value("SELECT count(*) FROM goose_db_version") == "1", "the sentinel only")
        try directory.write("db/migrations/1_a.sql", "-- +goose Up\nCREATE TABLE a (id int);\n")
        #expect(try up(directory).exitCode == 0)
    }

    // MARK: sqlx

    /// sqlx's `ensure_migrations_table` and `apply` (`sqlx-postgres/src/migrate.rs`): a row with the file's SHA-384.
    func sqlxApplied(_ connection: PostgresConnection, _ version: Int, _ description: String, sql: String, success: Bool = true) throws {
        try connection.execute(
            """
            CREATE TABLE IF NOT EXISTS _sqlx_migrations (version BIGINT PRIMARY KEY, description TEXT NOT NULL,
              installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL,
              execution_time BIGINT NOT NULL)
            """)
        try connection.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES ($1, $2, $3, decode($4, 'hex'), 1)",
            [String(version), description, success ? "t" : "f", Checksum.sha384(Array(sql.utf8))])
    }

    let sqlxFiles = [
        "20240101000000_create_users.sql": "CREATE TABLE users (id int);\n",
        "20240102000000_index.up.sql": "-- no-transaction\nCREATE INDEX CONCURRENTLY users_id ON users (id);\n",
        "20240102000000_index.down.sql": "DROP INDEX users_id;\n",
        "20240103000000_orders.sql": "CREATE TABLE orders (id int);\nINSERT INTO orders VALUES (1);\n",
    ]

    @Test func sqlxIsAdoptedVerifiedAndKeptTrue() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE users (id int)")
        try sqlxApplied(connection, 20240101000000, "create users", sql: sqlxFiles["20240101000000_create_users.sql"]!)
        let directory = try project(url: database.url, format: "sqlx", files: sqlxFiles)
        let first = try up(directory)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("adopted 1 applied migrations from sqlx's _sqlx_migrations"))
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_id'::regclass") == "t")
        let expected = sqlxFiles.keys.filter { !$0.hasSuffix(".down.sql") }.sorted().map { name in
            [String(name.prefix(14)), "t", Checksum.sha384(Array(sqlxFiles[name]!.utf8))]
        }
        #expect(
            try connection.query("SELECT version, success, encode(checksum, 'hex') FROM _sqlx_migrations ORDER BY version")
                == expected)
        #expect(
            try connection.query("SELECT description FROM _sqlx_migrations ORDER BY version").map { $0[0] ?? "" }
                == ["create users", "index", "orders"])
        #expect(try up(directory).stderr.contains("already-applied"))
        try directory.write("db/migrations/20240103000000_orders.sql", "CREATE TABLE orders (id bigint);\n")
        #expect(try up(directory).exitCode == 65)
    }

    @Test(arguments: [(true, "CREATE TABLE users (id bigint);\n", "checksum"), (false, nil, "failed")] as [(Bool, String?, String)])
    func aSqlxLedgerWithAFailedRowOrAnotherChecksumIsRefusedWithNothingImported(
        success: Bool, recordedSQL: String?, message: String
    ) throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try sqlxApplied(
            connection, 20240101000000, "create users",
            sql: recordedSQL ?? sqlxFiles["20240101000000_create_users.sql"]!, success: success)
        let directory = try project(url: database.url, format: "sqlx", files: sqlxFiles)
        let run = try up(directory)
        #expect(run.exitCode == 65)
        #expect(run.stderr.contains("20240101000000_create_users.sql"), "\(run.stderr)")
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger") == "0")
        #expect(try connection.value("SELECT to_regclass('orders') IS NULL") == "t")
    }

    @Test func anOldSqlxHoldingItsLockMakesPrestartWait() throws {
        let database = try TestDatabase.createDatabase()
        let old = try TestDatabase.connect(to: database.name)
        defer { old.close() }
        let key = try #require(ToolLedger(format: .sqlx, table: "_sqlx_migrations").lockKey(schema: "public", database: database.name))
        try old.execute("SELECT pg_advisory_lock($1)", [String(key)])
        let directory = try project(url: database.url, format: "sqlx", files: ["1_a.sql": "CREATE TABLE a (id int);\n"])
        try directory.write("prestart.toml", directory.read("prestart.toml").replacing("\"2m\"", with: "\"1s\""))
        let waited = try up(directory)
        #expect(waited.exitCode == 75, "\(waited.stderr)")
        try old.execute("SELECT pg_advisory_unlock($1)", [String(key)])
        #expect(try up(directory).exitCode == 0)
    }

    // MARK: Flyway

    /// Flyway's history table (`PostgreSQLDatabase.getRawCreateScript`) and a row as `DbMigrate` writes it.
    func flywayHistory(_ connection: PostgresConnection, _ rows: [(version: String?, description: String, type: String, script: String, checksum: Int32?, success: Bool)]) throws {
        if try connection.value("SELECT to_regclass('flyway_schema_history') IS NULL") == "t" {
            try connection.execute(
                """
                CREATE TABLE "public"."flyway_schema_history" ("installed_rank" INT NOT NULL, "version" VARCHAR(50),
                  "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL,
                  "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
                  "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL,
                  CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))
                """)
        }
        for row in rows {
            try connection.execute(
                """
                INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,
                  installed_by, execution_time, success)
                SELECT coalesce(max(installed_rank), 0) + 1, $1, $2, $3, $4, $5::integer, 'flyway', 3, $6 FROM flyway_schema_history
                """, [row.version, row.description, row.type, row.script, row.checksum.map { String($0) }, row.success ? "t" : "f"])
        }
    }

    let flywayFiles = [
        "V1__init.sql": "CREATE TABLE users (id int);\n",
        "V1_2__more.sql": "CREATE TABLE more (id int);\nINSERT INTO more VALUES (1);\n",
        "V2__index.sql": "CREATE INDEX CONCURRENTLY users_id ON users (id);\n",
        "V3__no_tx.sql": "CREATE TABLE notx (id int);\n",
        "V3__no_tx.sql.conf": "executeInTransaction=false\n",
        "R__views.sql": "CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n",
        "README.txt": "Flyway ignores this\n",
    ]

    @Test func flywayIsAdoptedWithJavaMigrationsAsExternalAndRepeatablesRunAgainWhenChanged() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE users (id int)")
        try connection.execute("CREATE OR REPLACE VIEW v AS SELECT 1 AS one")
        try flywayHistory(connection, [
            ("1", "init", "SQL", "V1__init.sql", FlywayFolder.checksum(flywayFiles["V1__init.sql"]!), true),
            ("1.1", "Backfill", "JDBC", "db.migration.V1_1__Backfill", nil, true),
            (nil, "views", "SQL", "R__views.sql", FlywayFolder.checksum(flywayFiles["R__views.sql"]!), true),
        ])
        let directory = try project(url: database.url, format: "flyway", files: flywayFiles)
        let first = try up(directory)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("adopted 3 applied migrations from flyway's flyway_schema_history"))
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_id'::regclass") == "t")
        #expect(
            try connection.query("SELECT name, checksum IS NULL, adopted FROM prestart_ledger WHERE adopted IS NOT NULL ORDER BY name") == [
                ["migrations/R__views.sql", "f", "flyway's flyway_schema_history"],
                ["migrations/V1.1__Backfill (Java)", "t", "flyway's flyway_schema_history (external)"],
                ["migrations/V1__init.sql", "f", "flyway's flyway_schema_history"],
            ])
        #expect(
            try connection.query("SELECT installed_rank, version, script, checksum, success FROM flyway_schema_history WHERE installed_rank > 3 ORDER BY installed_rank") == [
                ["4", "1.2", "V1_2__more.sql", String(FlywayFolder.checksum(flywayFiles["V1_2__more.sql"]!)), "t"],
                ["5", "2", "V2__index.sql", String(FlywayFolder.checksum(flywayFiles["V2__index.sql"]!)), "t"],
                ["6", "3", "V3__no_tx.sql", String(FlywayFolder.checksum(flywayFiles["V3__no_tx.sql"]!)), "t"],
            ])
        #expect(try up(directory).stderr.contains("already-applied"))

        let changed = "CREATE OR REPLACE VIEW v AS SELECT 1 AS one, 2 AS two;\n"
        try directory.write("db/migrations/R__views.sql", changed)
        let plan = try PrestartProcess.run(["plan"], in: directory)
        #expect(plan.stdout.contains("migrations/R__views.sql    runs again"), "\(plan.stdout)")
        let rerun = try up(directory)
        #expect(rerun.exitCode == 0, "\(rerun.stderr)")
        #expect(rerun.stderr.contains("applied migrations/R__views.sql"))
        #expect(try connection.value("SELECT two FROM v") == "2")
        #expect(
            try connection.query("SELECT version IS NULL, checksum FROM flyway_schema_history WHERE installed_rank = 7")
                == [["t", String(FlywayFolder.checksum(changed))]])

        try directory.write("db/migrations/V1_2__more.sql", "CREATE TABLE more (id bigint);\n")
        #expect(try up(directory).exitCode == 65)
    }

    @Test(arguments: [
        (false, FlywayFolder.checksum("CREATE TABLE users (id int);\n"), "as failed"),
        (true, Int32(12345), "V1__init.sql was applied by flyway with checksum 12345, but the file now has"),
    ])
    func aFlywayHistoryWithAFailedRowOrAnotherChecksumIsRefused(success: Bool, checksum: Int32, message: String) throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try flywayHistory(connection, [("1", "init", "SQL", "V1__init.sql", checksum, success)])
        let directory = try project(url: database.url, format: "flyway", files: flywayFiles)
        let run = try up(directory)
        #expect(run.exitCode == 65)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger") == "0")
    }

    @Test func flywayBaselineMeansEverythingAtOrBelowItIsApplied() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE users (id int)")
        try connection.execute("CREATE TABLE more (id int)")
        try flywayHistory(connection, [("1.2", "<< Flyway Baseline >>", "BASELINE", "<< Flyway Baseline >>", nil, true)])
        let directory = try project(url: database.url, format: "flyway", files: flywayFiles)
        let run = try up(directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.contains("adopted 2 applied migrations"), "\(run.stderr)")
        #expect(try connection.value("SELECT count(*) FROM more") == "0", "V1_2 was not run again")
    }

    // MARK: dbmate, for real

    static var dbmate: String? { TestDatabase.environment("PRESTART_TEST_DBMATE") }

    /// dbmate's URL for a test database: the server listens on a Unix socket.
    func dbmateURL(_ url: String, database: String) throws -> String {
        let host = try #require(url.split(separator: "host=").last?.split(separator: "&").first)
        let port = try #require(url.split(separator: "port=").last)
        return "postgres://postgres@localhost/\(database)?sslmode=disable&socket=\(host)&port=\(port)"
    }

    func runDbmate(_ arguments: String, url: String, in directory: TemporaryDirectory) throws -> (Int32, String) {
        let dbmate = try #require(Self.dbmate, "PRESTART_TEST_DBMATE is not set: run the tests through scripts/test.sh")
        let status = Shell.run(
            "cd '\(directory.path)' && '\(dbmate)' --url '\(url)' --migrations-dir db/migrations --no-dump-schema "
                + "\(arguments) > dbmate.out 2>&1")
        return (status, directory.read("dbmate.out"))
    }

    @Test(.enabled(if: Self.dbmate != nil || TestDatabase.isCI, "set PRESTART_TEST_DBMATE (scripts/test.sh)"))
    func dbmateAppliesTheFirstPartPrestartTheRestAndDbmateFindsNothingPending() throws {
        let database = try TestDatabase.createDatabase()
        let url = try dbmateURL(database.url, database: database.name)
        let directory = try project(
            url: database.url, format: "dbmate",
            files: [
                "20240101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n"
            ])
        let (applied, output) = try runDbmate("up", url: url, in: directory)
        try #require(applied == 0, "\(output)")
        try directory.write(
            "db/migrations/20240102000000_index.sql",
            """
            -- migrate:up transaction:false
            CREATE INDEX CONCURRENTLY users_id ON users (id);
            -- migrate:down
            DROP INDEX users_id;
            """)
        try directory.write(
            "db/migrations/20240103000000_two.sql",
            """
            -- migrate:up
            CREATE TABLE a (id int);
            -- migrate:down
            DROP TABLE a;
            -- migrate:up
            CREATE TABLE b (id int);
            INSERT INTO b VALUES (1);
            -- migrate:down
            DROP TABLE b;
            """)
        try directory.write("db/migrations/notes.md", "dbmate ignores this\n")

        let first = try up(directory)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("adopted 1 applied migrations from dbmate's schema_migrations"))
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT count(*) FROM b") == "1")
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'users_id'::regclass") == "t")

        let second = try up(directory)
        #expect(second.exitCode == 0)
        #expect(second.stderr.contains("already-applied"))

        let (status, listing) = try runDbmate("status", url: url, in: directory)
        #expect(status == 0, "\(listing)")
        #expect(listing.contains("Pending: 0"), "\(listing)")
        let (again, nothing) = try runDbmate("up", url: url, in: directory)
        #expect(again == 0 && !nothing.contains("Applying"), "\(nothing)")

        try directory.write(
            "db/migrations/20240101000000_users.sql",
            "-- migrate:up\nCREATE TABLE users (id bigint);\n-- migrate:down\nDROP TABLE users;\n")
        #expect(try up(directory).exitCode == 65)
    }

    @Test(.enabled(if: Self.dbmate != nil || TestDatabase.isCI, "set PRESTART_TEST_DBMATE (scripts/test.sh)"))
    func dbmateRollsBackToFindWhatPrestartAppliedOnAFreshDatabase() throws {
        let database = try TestDatabase.createDatabase()
        let url = try dbmateURL(database.url, database: database.name)
        let directory = try project(
            url: database.url, format: "dbmate",
            files: ["1_a.sql": "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n"])
        #expect(try up(directory).exitCode == 0)
        let (status, listing) = try runDbmate("status", url: url, in: directory)
        #expect(status == 0 && listing.contains("Applied: 1") && listing.contains("Pending: 0"), "\(listing)")
        let (rollback, output) = try runDbmate("rollback", url: url, in: directory)
        #expect(rollback == 0, "\(output)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT to_regclass('a') IS NULL") == "t")
    }
}

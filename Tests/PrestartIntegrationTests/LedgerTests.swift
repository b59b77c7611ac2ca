import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// Once-only work through the built binary: replicas racing, changed files, failures, kills.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct LedgerTests {
    /// A project with `count` migrations (each creates table mNNN and inserts a row) and, when asked, an
    /// executable migration that appends a line to `ran.log`.
    func project(url: String, count: Int, executable: Bool = false) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(url)"
            lock-timeout = "2m"

            [steps.migrations]
            kind = "migrations"
            dir = "migrations"
            """)
        mkdir(directory.path + "/migrations", 0o755)
        for number in 1...max(count, 1) where count > 0 {
            try directory.write(
                "migrations/\(number)-m\(number).sql",
                "CREATE TABLE m\(number) (id integer PRIMARY KEY);\nINSERT INTO m\(number) VALUES (\(number));\n")
        }
        if executable {
            let script = try directory.write(
                "migrations/\(count + 1)-record.sh", "#!/bin/sh\necho \"$PRESTART_STEP\" >> \"$(dirname \"$0\")/../ran.log\"\n")
            chmod(script, 0o755)
        }
        return directory
    }

    @Test func eightReplicasOnPostgresApplyEveryUnitExactlyOnce() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, count: 100, executable: true)
        let replicas = try (0..<8).map { _ in try PrestartProcess(["up"], in: directory) }
        let codes = replicas.map { $0.wait() }
        #expect(codes == Array(repeating: 0, count: 8), "\(replicas.map(\.stderr).joined())")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "101")
        #expect(try connection.value("SELECT count(*) FROM pg_tables WHERE tablename ~ '^m[0-9]+$'") == "100")
        #expect(try connection.value("SELECT sum(id) FROM (SELECT id FROM m1 UNION ALL SELECT id FROM m100) s") == "101")
        #expect(directory.read("ran.log") == "migrations/101-record.sh\n")
    }

    /// The lock is released with a notification (unlock and `NOTIFY` in one statement), which replicas waiting for
    /// it listen for, so they go on at once instead of at their next poll.
    @Test func theLockIsReleasedWithANotificationForWaitingReplicas() throws {
        let database = try TestDatabase.createDatabase()
        let listener = try TestDatabase.connect(to: database.name)
        defer { listener.close() }
        try listener.execute("LISTEN prestart_ledger_lock")
        let directory = try project(url: database.url, count: 1)
        let run = try PrestartProcess.run(["up"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(listener.waitForNotification(timeout: .seconds(5)))
    }

    @Test func fourReplicasOnSQLiteApplyEveryUnitExactlyOnce() throws {
        let directory = try project(url: "sqlite:///var/app.db", count: 100, executable: true)
        let replicas = try (0..<4).map { _ in try PrestartProcess(["up"], in: directory) }
        let codes = replicas.map { $0.wait() }
        #expect(codes == [0, 0, 0, 0], "\(replicas.map(\.stderr).joined())")
        let connection = try SQLiteConnection.open(path: directory.path + "/var/app.db", busyTimeout: .seconds(5))
        defer { connection.close() }
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "101")
        #expect(try connection.value("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'm[0-9]*'") == "100")
        #expect(directory.read("ran.log") == "migrations/101-record.sh\n")
    }

    @Test func anAppliedFileThatChangedStopsTheRunWith65() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, count: 2)
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        try directory.write("migrations/2-m2.sql", "CREATE TABLE m2 (id bigint);\n")
        try directory.write("migrations/3-m3.sql", "CREATE TABLE m3 (id int);\n")
        let run = try PrestartProcess.run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 65)
        #expect(run.stderr.contains("migrations/2-m2.sql was applied with checksum"))
        #expect(run.stderr.contains("but migrations/2-m2.sql now has"))
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT to_regclass('m3') IS NULL") == "t", "nothing runs after a changed file")
        let plan = try PrestartProcess.run(["plan"], in: directory)
        #expect(plan.exitCode == 65)
        #expect(plan.stdout.contains("migrations/2-m2.sql  changed since it was applied"))
        #expect(plan.stdout.contains("migrations/3-m3.sql  pending"))
    }

    @Test func brokenSQLIsRolledBackRecordedAsFailedAndAppliedOnceFixed() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, count: 1)
        try directory.write("migrations/2-broken.sql", "CREATE TABLE half (id int);\nINSERT INTO nowhere VALUES (1);\n")
        let broken = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(broken.exitCode == 1)
        #expect(broken.stderr.contains("migrations/2-broken.sql:2: ERROR 42P01: relation \"nowhere\" does not exist (rolled back)"))
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT to_regclass('half') IS NULL") == "t")
        #expect(try connection.value("SELECT status FROM prestart_ledger WHERE name = 'migrations/2-broken.sql'") == "failed")
        try directory.write("migrations/2-broken.sql", "CREATE TABLE half (id int);\nINSERT INTO half VALUES (1);\n")
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        #expect(try connection.value("SELECT count(*) FROM half") == "1")
        #expect(try connection.value("SELECT status FROM prestart_ledger WHERE name = 'migrations/2-broken.sql'") == "applied")
    }

    @Test func aFailedExecutableBlocksLaterRunsUntilResolved() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, count: 1)
        let script = try directory.write(
            "migrations/2-transform.sh", "#!/bin/sh\necho run >> \"$(dirname \"$0\")/../ran.log\"\nexit 3\n")
        chmod(script, 0o755)
        let failed = try PrestartProcess.run(["up"], in: directory)
        #expect(failed.exitCode == 1)
        let blocked = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(blocked.exitCode == 65)
        #expect(blocked.stderr.contains("migrations/2-transform.sh failed half-way"))
        #expect(blocked.stderr.contains("prestart resolve migrations/2-transform.sh --mark-applied"))
        #expect(try PrestartProcess.run(["resolve", "migrations/2-transform.sh", "--mark-applied"], in: directory).exitCode == 0)
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        #expect(directory.read("ran.log") == "run\n", "a resolved unit does not run again")
        let status = try PrestartProcess.run(["status", "--json"], in: directory)
        #expect(status.stdout.contains("{\"name\":\"migrations/2-transform.sh\",\"step\":\"migrations\""))
        #expect(status.stdout.contains("\"status\":\"applied\",\"transactional\":false"))
    }

    @Test func killingPrestartDuringASlowMigrationLeavesItToBeAppliedExactlyOnce() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, count: 1)
        try directory.write(
            "migrations/2-slow.sql", "CREATE TABLE slow (id int);\nINSERT INTO slow VALUES (1);\nSELECT pg_sleep(2);\n")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        let victim = try PrestartProcess(["up"], in: directory)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while try connection.value("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()") == "0",
            clock.now < deadline
        {
            usleep(20_000)
        }
        victim.signal(SIGKILL)
        #expect(victim.wait() == 137)
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        #expect(try connection.value("SELECT count(*) FROM slow") == "1")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "2")
    }

    @Test func runAppliesOneMigrationFileOnDemand() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, count: 3)
        let run = try PrestartProcess.run(["run", "migrations/2-m2.sql"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT string_agg(name, ',' ORDER BY name) FROM prestart_ledger") == "migrations/2-m2.sql")
        #expect(try PrestartProcess.run(["run", "migrations/9-nope.sql"], in: directory).exitCode == 64)
    }
}

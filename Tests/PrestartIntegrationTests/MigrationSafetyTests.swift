import Glibc
@testable import PrestartCore
import PrestartTestSupport
import Synchronization
import Testing
@testable import PrestartDatabase
@testable import PrestartSystem

/// The production incidents of other migration tools, reproduced against a real PostgreSQL: deadlocks with
/// CREATE INDEX CONCURRENTLY, lock pile-ups behind a long transaction, blind retries, silent waiting.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct MigrationSafetyTests {
    func project(url: String, settings: String = "", retries: Int = 0, files: [String: String]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(url)"
            \(settings.isEmpty ? "" : "settings = { \(settings) }")

            [steps.migrations]
            kind = "migrations"
            dir = "migrations"
            retries = \(retries)
            retry-delay = "500ms"
            """)
        mkdir(directory.path + "/migrations", 0o755)
        for (name, text) in files { try directory.write("migrations/" + name, text) }
        return directory
    }

    @Test func sixReplicasWithCreateIndexConcurrentlyAllFinish() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            url: database.url,
            files: [
                "1-big.sql": "CREATE TABLE big (id int, v text);\nINSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 500000) g;\n",
                "2-index.sql": "-- prestart:no-transaction\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n",
                "3-after.sql": "CREATE TABLE after_index (id int);\n",
            ])
        let replicas = try (0..<6).map { _ in try PrestartProcess(["up", "--log-format", "text"], in: directory) }
        let codes = replicas.map { $0.wait() }
        #expect(codes == Array(repeating: 0, count: 6), "\(replicas.map(\.stderr).joined())")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'big_v'::regclass") == "t")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "3")
        let waiting = replicas.map(\.stderr).first { $0.contains("waiting for the migration lock held by") }
        #expect(waiting?.contains("held by \(ConnectionPool.hostName) pid ") == true, "\(replicas.map(\.stderr).joined())")
    }

    /// The reader's worst latency is printed for the record; the check is a generous hang guard.
    /// The blocker and the reader run on threads of their own: the cooperative pool may be busy with tests
    /// that wait synchronously, and a late release would make the retries fail for the wrong reason.
    @Test func aLockTimeoutKeepsReadersMovingAndNamesTheBlocker() throws {
        let database = try TestDatabase.createDatabase()
        let setup = try TestDatabase.connect(to: database.name)
        defer { setup.close() }
        try setup.execute("CREATE TABLE accounts (id int)")
        try setup.execute("INSERT INTO accounts VALUES (1)")
        let directory = try project(
            url: database.url, settings: "lock_timeout = \"200ms\"", retries: 2,
            files: ["1-alter.sql": "ALTER TABLE accounts ADD COLUMN note text;\n"])

        // A long transaction holds a reader's lock on the table for 3 s.
        let blocker = try TestDatabase.connect(to: database.name)
        defer { blocker.close() }
        try blocker.begin()
        _ = try blocker.query("SELECT * FROM accounts")
        let released = CancelToken()
        BlockingThread.start {
            usleep(3_000_000)
            try? blocker.commit()
            released.cancel()
        }
        let reader = try TestDatabase.connect(to: database.name)
        defer { reader.close() }
        let worst = Mutex<Duration>(.zero)
        let stop = CancelToken()
        let stopped = CancelToken()
        BlockingThread.start {
            let clock = ContinuousClock()
            while !stop.isCancelled {
                let start = clock.now
                _ = try? reader.query("SELECT count(*) FROM accounts")
                let took = clock.now - start
                worst.withLock { $0 = max($0, took) }
                usleep(20_000)
            }
            stopped.cancel()
        }
        let run = try PrestartProcess.run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        stop.cancel()
        while !stopped.isCancelled || !released.isCancelled { usleep(10_000) }
        print("reader worst latency while the migration waited: \(worst.withLock { $0 })")
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("ERROR 55P03: canceling statement due to lock timeout"))
        #expect(run.stderr.contains("Locks held by other sessions: accounts by pid"))
        #expect(directory.read("report.json").contains("\"attempts\":3"))
        #expect(worst.withLock { $0 } < .seconds(1))

        // When the blocker ends within the retries, a later attempt gets through.
        try blocker.begin()
        _ = try blocker.query("SELECT * FROM accounts")
        let shortReleased = CancelToken()
        BlockingThread.start {
            usleep(400_000)
            try? blocker.commit()
            shortReleased.cancel()
        }
        let retried = try PrestartProcess.run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        while !shortReleased.isCancelled { usleep(10_000) }
        #expect(retried.exitCode == 0, "\(retried.stderr)")
        #expect(retried.stderr.contains("attempt 1 of 3 failed"))
        #expect(try setup.value("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'") == "1")
    }

    @Test func aSyntaxErrorIsNotRetried() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url, retries: 3, files: ["1-typo.sql": "CREAT TABLE typo (id int);\n"])
        let run = try PrestartProcess.run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("ERROR 42601: syntax error at or near \"CREAT\""))
        #expect(!run.stderr.contains("retrying"))
        #expect(directory.read("report.json").contains("\"attempts\":1"))
    }

    @Test func settingsOnSQLiteAreAConfigErrorNamingTheKey() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml", "[database]\nurl = \"sqlite:///app.db\"\nsettings = { lock_timeout = \"5s\" }\n")
        let run = try PrestartProcess.run(["check", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 78)
        #expect(run.stderr.contains("prestart.toml:3: database.settings: lock_timeout: settings are PostgreSQL run-time parameters"))
    }
}

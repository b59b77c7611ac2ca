import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// The database restarts or disappears while a step works, on a cluster of the test's own. What must hold: the
/// step fails with exit 1 and the server's or libpq's words (no crash, no hang), a retry recovers once the server
/// is back, the ledger tells the truth, and a wait step inside its timeout keeps waiting.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct DatabaseOutageTests {
    /// A statement that sleeps 60 s on its first attempt only: `nextval` is not rolled back with the attempt.
    static let sleepOnFirstAttempt = "SELECT pg_sleep(CASE WHEN nextval('attempts') = 1 THEN 60 ELSE 0 END) AS outage_marker"

    func project(_ cluster: OwnCluster, steps: String, files: [String: String] = [:]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", "[database]\nurl = \"\(cluster.url())\"\n\n\(steps)")
        mkdir(directory.path + "/migrations", 0o755)
        for (name, text) in files {
            let path = try directory.write(name, text)
            if name.hasSuffix(".sh") { chmod(path, 0o755) }
        }
        return directory
    }

    func prepare(_ cluster: OwnCluster) throws {
        let admin = try cluster.connect()
        defer { admin.close() }
        try admin.execute("CREATE SEQUENCE attempts")
        try admin.execute("CREATE TABLE outage (id int)")
    }

    func rows(_ cluster: OwnCluster, _ sql: String) throws -> String? {
        let admin = try cluster.connect()
        defer { admin.close() }
        return try admin.value(sql)
    }

    func waitUntilRunning(_ cluster: OwnCluster, _ marker: String = "outage_marker") throws -> Bool {
        let admin = try cluster.connect()
        defer { admin.close() }
        return try eventually { try admin.isRunning(marker) }
    }

    @Test(arguments: [0, 3])
    func aRestartDuringASqlStepFailsWithTheServersWordsOrIsRetried(retries: Int) throws {
        let cluster = try OwnCluster()
        try prepare(cluster)
        let directory = try project(
            cluster,
            steps: """
                [steps.slow]
                kind = "sql"
                sql = "INSERT INTO outage VALUES (1); \(Self.sleepOnFirstAttempt)"
                retries = \(retries)
                retry-delay = "500ms"
                """)
        let run = try Run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(try waitUntilRunning(cluster))
        #expect(cluster.control("restart -m fast") == 0)
        let code = run.wait()
        if retries == 0 {
            #expect(code == 1, "\(run.stderr)")
            #expect(run.stderr.contains("FATAL 57P01: terminating connection due to administrator command"), "\(run.stderr)")
            #expect(run.report.contains("\"failed_step\":\"slow\",\"error\":\"prestart.toml:"))
            #expect(try rows(cluster, "SELECT count(*) FROM outage") == "0", "the interrupted transaction is gone")
        } else {
            #expect(code == 0, "\(run.stderr)")
            #expect(run.stderr.contains("attempt 1 of 4 failed: prestart.toml:"))
            #expect(try rows(cluster, "SELECT count(*) FROM outage") == "1", "applied once, by the retry")
        }
    }

    @Test func theDatabaseVanishingDuringAMigrationFailsWithLibpqsWordsAndTheNextRunAppliesItOnce() throws {
        let cluster = try OwnCluster()
        try prepare(cluster)
        let admin = try cluster.connect()
        try admin.execute("CREATE TABLE sleep_control (seconds int)")
        try admin.execute("INSERT INTO sleep_control VALUES (60)")
        admin.close()
        let directory = try project(
            cluster, steps: "[steps.migrations]\nkind = \"migrations\"\ndir = \"migrations\"\n",
            files: [
                "migrations/1-first.sql": "CREATE TABLE first (id int);\n",
                "migrations/2-slow.sql":
                    "INSERT INTO outage VALUES (2);\nSELECT pg_sleep((SELECT seconds FROM sleep_control)) AS outage_marker;\n",
            ])
        let run = try Run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(try waitUntilRunning(cluster))
        #expect(cluster.control("stop -m immediate") == 0)
        #expect(run.wait() == 1, "\(run.stderr)")
        let words = ["server closed the connection unexpectedly", "terminating connection due to immediate shutdown"]
        #expect(words.contains { run.stderr.contains($0) }, "\(run.stderr)")
        #expect(run.report.contains("\"failed_step\":\"migrations\""))

        #expect(cluster.control("start") == 0)
        // The test cluster runs with synchronous_commit off, so a crash may lose the last commits; whatever it
        // kept, the ledger and the data agree, and the interrupted unit is not recorded.
        #expect(
            try rows(
                cluster,
                """
                SELECT (to_regclass('first') IS NOT NULL) = EXISTS (SELECT FROM prestart_ledger WHERE name = 'migrations/1-first.sql' AND status = 'applied')
                   AND NOT EXISTS (SELECT FROM prestart_ledger WHERE name = 'migrations/2-slow.sql' AND status = 'applied')
                   AND NOT EXISTS (SELECT FROM outage)
                """) == "t")
        let control = try cluster.connect()
        try control.execute("UPDATE sleep_control SET seconds = 0")
        control.close()
        let next = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(next.exitCode == 0, "\(next.stderr)")
        #expect(try rows(cluster, "SELECT count(*) FROM outage") == "1")
        #expect(try rows(cluster, "SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "2")
    }

    /// The lock's session dies while an executable runs: its outcome cannot be recorded, so the ledger keeps it
    /// `running` and the next run blocks until an operator resolves it, rather than guessing.
    @Test func aRestartDuringAnExecutableLeavesItForAnOperatorToResolve() throws {
        let cluster = try OwnCluster()
        let directory = try project(
            cluster, steps: "[steps.migrations]\nkind = \"migrations\"\ndir = \"migrations\"\n",
            files: [
                "migrations/1-transform.sh": """
                #!/bin/sh
                cd "$(dirname "$0")/.."
                touch started
                while [ ! -f go-on ]; do sleep 0.05; done
                echo done >> ran.log
                """
            ])
        let run = try Run(["up", "--log-format", "text"], in: directory)
        #expect(directory.waitForFile("started"))
        #expect(cluster.control("restart -m fast") == 0)
        try directory.write("go-on", "")
        #expect(run.wait() == 1, "\(run.stderr)")
        #expect(run.stderr.contains("migrations/1-transform.sh: cannot write the ledger"), "\(run.stderr)")
        #expect(directory.read("ran.log") == "done\n")

        let blocked = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(blocked.exitCode == 65, "\(blocked.stderr)")
        #expect(blocked.stderr.contains("prestart resolve migrations/1-transform.sh --mark-applied"))
        #expect(try Run.finished(["resolve", "migrations/1-transform.sh", "--mark-applied"], in: directory).exitCode == 0)
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        #expect(directory.read("ran.log") == "done\n")
    }

    @Test func aWaitStepInsideItsTimeoutWaitsWhileTheDatabaseIsDown() throws {
        let cluster = try OwnCluster()
        try prepare(cluster)
        #expect(cluster.control("stop -m fast") == 0)
        let directory = try project(
            cluster,
            steps: """
                [steps.wait-for-db]
                kind = "wait"
                timeout = "60s"

                [steps.seed]
                kind = "sql"
                sql = "INSERT INTO outage VALUES (3)"
                after = ["wait-for-db"]
                """)
        let run = try Run(["up", "--log-format", "text"], in: directory)
        #expect(eventually { run.stderr.contains("is not ready yet") })
        usleep(500_000)
        #expect(cluster.control("start") == 0)
        #expect(run.wait() == 0, "\(run.stderr)")
        #expect(run.stderr.contains("Connection refused"), "the first failure is logged with libpq's words")
        #expect(run.stderr.contains("the database is ready after"))
        #expect(try rows(cluster, "SELECT count(*) FROM outage") == "1")
    }

    /// A replica cut off from the network (its host died, a partition) holds the lock on a session the server
    /// cannot reach: keepalives end it, so the other replicas go on instead of timing out for hours, and the cut-off
    /// replica's call fails instead of waiting forever. prestart's own keepalive defaults (25 s to notice) are
    /// checked in FaultTests; here both sides use 1 s probes so the test is quick.
    @Test(.enabled(if: getuid() == 0, "a network namespace needs root"))
    func aReplicaCutOffFromTheNetworkLosesTheLockAndTheOthersGoOn() throws {
        let namespace = try NetworkNamespace()
        let cluster = try OwnCluster(prefix: namespace.enter)
        try prepare(cluster)
        let admin = try cluster.connect()
        try admin.execute("CREATE TABLE sleep_control (seconds int)")
        try admin.execute("INSERT INTO sleep_control VALUES (600)")
        admin.close()
        let migrations = """
            [steps.migrations]
            kind = "migrations"
            dir = "migrations"
            """
        let files = [
            "migrations/1-slow.sql": "INSERT INTO outage VALUES (1);\nSELECT pg_sleep((SELECT seconds FROM sleep_control)) AS outage_marker;\n"
        ]
        let quickProbes = "settings = { tcp_keepalives_idle = \"1\", tcp_keepalives_interval = \"1\", tcp_keepalives_count = \"2\" }"
        let cutOff = try TemporaryDirectory()
        try cutOff.write(
            "prestart.toml",
            """
            [database]
            url = "\(cluster.url())?keepalives_idle=1&keepalives_interval=1&keepalives_count=2&tcp_user_timeout=3000"
            \(quickProbes)

            \(migrations)
            """)
        mkdir(cutOff.path + "/migrations", 0o755)
        for (name, text) in files { try cutOff.write(name, text) }
        let other = try TemporaryDirectory()
        try other.write("prestart.toml", "[database]\nurl = \"\(cluster.socketURL)\"\nlock-timeout = \"60s\"\n\n\(migrations)\n")
        mkdir(other.path + "/migrations", 0o755)
        for (name, text) in files { try other.write(name, text) }

        let lost = try Run(
            ["nsenter", "--net=/proc/\(namespace.pid)/ns/net", PrestartProcess.binary, "up", "--log-format", "text"], in: cutOff,
            direct: false)
        #expect(try waitUntilRunning(cluster))
        #expect(namespace.cutOff() == 0)
        let control = try cluster.connect()
        try control.execute("UPDATE sleep_control SET seconds = 0")
        control.close()

        let (survivor, took) = try measure { try Run.finished(["up", "--log-format", "text"], in: other) }
        print("a replica cut off from the network: the others had the lock after \(took)")
        #expect(survivor.exitCode == 0, "\(survivor.stderr)")
        let code = lost.wait(within: .seconds(60))
        #expect(code == 1, "the cut-off replica: \(lost.stderr)")
        let words = ["server closed the connection unexpectedly", "Connection timed out", "could not receive data from server"]
        #expect(words.contains { lost.stderr.contains($0) }, "\(lost.stderr)")
        #expect(try rows(cluster, "SELECT count(*) FROM outage") == "1")
        #expect(try rows(cluster, "SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "1")
    }
}

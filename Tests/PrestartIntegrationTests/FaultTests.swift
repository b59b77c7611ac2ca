import Glibc
@testable import PrestartCore
import PrestartTestSupport
import Testing
@testable import PrestartDatabase
@testable import PrestartSystem

/// Faults injected into real runs against PostgreSQL: kill -9 mid-migration, SIGTERM and SIGINT during every step
/// kind. What must hold: the ledger tells the truth, nothing is applied twice or lost, every process group and
/// server session is gone, open transactions are rolled back, and the report says what happened.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct FaultTests {
    static let unique = getpid()

    func project(url: String, lockTimeout: String = "60s", steps: String = "", files: [String: String] = [:])
        throws -> TemporaryDirectory
    {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(url)"
            lock-timeout = "\(lockTimeout)"

            \(steps)
            """)
        mkdir(directory.path + "/migrations", 0o755)
        for (name, text) in files {
            let path = try directory.write(name, text)
            if name.hasSuffix(".sh") { chmod(path, 0o755) }
        }
        return directory
    }

    static let migrationsStep = "[steps.migrations]\nkind = \"migrations\"\ndir = \"migrations\"\n"

    /// The killed replica's backend keeps running its statement; only `client_connection_check_interval`
    /// makes the server notice the dead client and free the advisory lock, so the next run gets it within its
    /// 60 s lock-timeout instead of waiting out the 600 s statement (exit 75).
    @Test func killDashNineDuringASlowMigrationKeepsTheLedgerTrueAndTheNextRunAppliesItOnce() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE sleep_control (seconds int)")
        try connection.execute("INSERT INTO sleep_control VALUES (600)")
        let directory = try project(
            url: TestDatabase.passwordURL(database), steps: Self.migrationsStep,
            files: [
                "migrations/1-first.sql": "CREATE TABLE first (id int);\n",
                "migrations/2-slow.sql": """
                CREATE TABLE slow (id int);
                INSERT INTO slow VALUES (1);
                SELECT pg_sleep((SELECT seconds FROM sleep_control)) AS kill_me_\(Self.unique);
                """,
                "migrations/3-after.sql": "CREATE TABLE after_slow (id int);\n",
            ])
        let victim = try Run(["up"], in: directory)
        #expect(try eventually { try connection.isRunning("kill_me_\(Self.unique)") })
        victim.signal(SIGKILL)
        #expect(victim.wait() == 137)

        // The truth right after the kill: the first unit applied, the interrupted one not, nothing running.
        #expect(try connection.query("SELECT name, status FROM prestart_ledger ORDER BY name") == [["migrations/1-first.sql", "applied"]])
        let plan = try Run.finished(["plan"], in: directory)
        #expect(plan.stdout.contains("migrations/2-slow.sql   pending"), "\(plan.stdout)")

        try connection.execute("UPDATE sleep_control SET seconds = 0")
        let clock = ContinuousClock()
        let start = clock.now
        let next = try Run.finished(["up", "--log-format", "text"], in: directory)
        print("kill -9 during a 600 s statement: the next run got the lock and finished in \(clock.now - start)")
        #expect(next.exitCode == 0, "\(next.stderr)")
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        #expect(try connection.value("SELECT count(*) FROM slow") == "1")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "3")
        #expect(try connection.value("SELECT to_regclass('after_slow') IS NOT NULL") == "t")
        Secrets.expectAbsent(in: try connection.ledgerTexts())
    }

    @Test func killDashNineDuringAnExecutableBlocksTheNextRunUntilResolved() throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        let directory = try project(
            url: TestDatabase.passwordURL(database), steps: Self.migrationsStep,
            files: [
                "migrations/1-first.sql": "CREATE TABLE first (id int);\n",
                // Slow until the file `fast` exists; records every run.
                "migrations/2-transform.sh": """
                #!/bin/sh
                cd "$(dirname "$0")/.."
                echo run >> ran.log
                [ -f fast ] || { echo $$ > transform.pid; exec sleep 63.\(Self.unique)5; }
                """,
            ])
        let victim = try Run(["up", "--report", "report.json"], in: directory)
        #expect(directory.waitForFile("transform.pid"))
        victim.signal(SIGKILL)
        #expect(victim.wait() == 137)
        // A kill -9 leaves the executable behind (nothing can stop it then); end it as an orchestrator would.
        if let pid = pid_t(directory.read("transform.pid").trimmingWhitespace()) { kill(pid, SIGKILL) }
        #expect(eventually { !Shell.processExists(commandLine: "sleep 63.\(Self.unique)5") })

        #expect(try connection.value("SELECT status FROM prestart_ledger WHERE name = 'migrations/2-transform.sh'") == "running")
        try directory.write("fast", "")
        for command in [["up", "--log-format", "text", "--report", "report.json"], ["plan", "--log-format", "text"]] {
            let blocked = try Run.finished(command, in: directory)
            #expect(blocked.exitCode == 65)
            let text = blocked.stderr + blocked.stdout
            #expect(text.contains("migrations/2-transform.sh was interrupted half-way"), "\(text)")
            #expect(text.contains("prestart resolve migrations/2-transform.sh --mark-applied"))
            #expect(text.contains("prestart resolve migrations/2-transform.sh --forget"))
        }
        #expect(directory.read("report.json").contains("\"exit_code\":65"))
        #expect(directory.read("ran.log") == "run\n", "a blocked run does not run it again")

        #expect(try Run.finished(["resolve", "migrations/2-transform.sh", "--forget"], in: directory).exitCode == 0)
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        #expect(directory.read("ran.log") == "run\nrun\n", "once more after --forget, then never again")
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "2")
    }

    enum Kind: String, CaseIterable, Sendable {
        case wait, sql, schema, lockWait, migrationSQL, migrationExecutable, command, onceCommand
    }

    struct SignalCase: Sendable, CustomTestStringConvertible {
        var kind: Kind
        var signal: Int32
        var testDescription: String { "\(kind) \(Signal.name(signal))" }
    }

    static let signalCases = Kind.allCases.flatMap { kind in [SIGTERM, SIGINT].map { SignalCase(kind: kind, signal: $0) } }

    /// Each step kind, stopped by SIGTERM and by SIGINT while it works: exit 128+N, its process group and its
    /// server sessions gone, its transaction rolled back, and the report written.
    @Test(arguments: signalCases)
    func aSignalDuringAStepStopsItCleanly(_ signalCase: SignalCase) throws {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE sleep_control (seconds int)")
        try connection.execute("INSERT INTO sleep_control VALUES (60)")
        let marker = "\(Self.unique)\(Kind.allCases.firstIndex(of: signalCase.kind)!)\(signalCase.signal)"
        let sleepMarker = "sleep 64.\(marker)"
        let url = TestDatabase.passwordURL(database)
        var files: [String: String] = [:]
        var steps: String
        var holder: PostgresConnection?
        defer { holder?.close() }
        switch signalCase.kind {
        case .wait:
            steps = "[steps.wait-for-db]\nkind = \"wait\"\ntimeout = \"60s\"\n"
        case .sql:
            steps = """
                [steps.slow]
                kind = "sql"
                sql = "CREATE TABLE stopped (v text); INSERT INTO stopped VALUES (:token); SELECT pg_sleep((SELECT seconds FROM sleep_control)) AS m_\(marker)"
                params = { token = "${TOKEN}" }
                secret = ["token"]
                """
        case .schema:
            files["schema.sql"] = "CREATE TABLE stopped (id int PRIMARY KEY);\n"
            steps = "[steps.create-all]\nkind = \"schema\"\nfile = \"schema.sql\"\n"
            // Another replica creating tables: the step waits for its lock inside its transaction.
            holder = try TestDatabase.connect(to: database.name)
            try holder!.execute("SELECT pg_advisory_lock(\(SchemaStep.lockKey))")
        case .lockWait:
            files["migrations/1-m.sql"] = "CREATE TABLE stopped (id int);\n"
            steps = Self.migrationsStep
            holder = try TestDatabase.connect(to: database.name)
            try holder!.execute("SELECT pg_advisory_lock(\(LedgerLock.advisoryKey))")
        case .migrationSQL:
            files["migrations/1-slow.sql"] =
                "CREATE TABLE stopped (id int);\nINSERT INTO stopped VALUES (1);\nSELECT pg_sleep((SELECT seconds FROM sleep_control)) AS m_\(marker);\n"
            steps = Self.migrationsStep
        case .migrationExecutable:
            files["migrations/1-transform.sh"] = "#!/bin/sh\ncd \"$(dirname \"$0\")/..\"\ntouch started\n\(sleepMarker)\n"
            steps = Self.migrationsStep
        case .command, .onceCommand:
            steps = """
                [steps.long]
                kind = "command"
                run = ["sh", "-c", "touch started; \(sleepMarker); echo not stopped"]
                once = \(signalCase.kind == .onceCommand)
                """
        }
        let directory = try project(
            url: signalCase.kind == .wait ? "postgresql://prestart_test:\(Secrets.databasePassword)@127.0.0.1:1/x" : url,
            steps: steps, files: files)
        let run = try Run(
            ["up", "--log-format", "json", "--report", "report.json", "--", "true"], in: directory,
            environment: ["TOKEN": Secrets.parameter])

        let started: Bool
        switch signalCase.kind {
        case .wait: started = eventually { run.stderr.contains("is not ready yet") }
        case .sql, .migrationSQL: started = try eventually { try connection.isRunning("m_\(marker)") }
        case .schema: started = try eventually { try connection.hasRun("pg_try_advisory_xact_lock") }
        case .lockWait: started = eventually { run.stderr.contains("waiting for the migration lock") }
        case .migrationExecutable, .command, .onceCommand: started = directory.waitForFile("started")
        }
        #expect(started, "the step did not start: \(run.stderr)")
        let (code, took) = measure {
            run.signal(signalCase.signal)
            return run.wait()
        }
        print("\(signalCase.testDescription) during \(signalCase.kind): exit \(code) after \(took)")
        #expect(code == 128 + signalCase.signal, "\(run.stderr)")
        // A hang guard with a meaning: `docker stop` sends SIGKILL 10 s after SIGTERM, and then no report is written.
        #expect(took < .seconds(10), "stopping took \(took)")

        let report = run.report
        #expect(report.hasPrefix("{\"status\":\"interrupted\",\"exit_code\":\(128 + signalCase.signal),"), "\(report)")
        #expect(report.contains("\"error\":\"stopped by \(Signal.name(signalCase.signal))\""))
        #expect(report.contains("\"state\":\"cancelled\""), "\(report)")
        #expect(!run.stderr.contains("not stopped"))
        #expect(try eventually { try connection.sessions(ofPrestart: run.pid) == 0 }, "a session of the stopped prestart is left")
        #expect(eventually { !Shell.processExists(commandLine: sleepMarker) }, "the step's process group is left")
        #expect(try connection.value("SELECT to_regclass('stopped') IS NULL") == "t", "the step's transaction was not rolled back")
        Secrets.expectAbsent(in: try connection.ledgerTexts())

        // Nothing is lost: once the cause is gone, the next run finishes the work (or, for work that ran outside a
        // transaction, blocks until an operator says what happened).
        holder?.close()
        holder = nil
        try connection.execute("UPDATE sleep_control SET seconds = 0")
        switch signalCase.kind {
        case .migrationExecutable, .onceCommand:
            let next = try Run.finished(["up", "--log-format", "text"], in: directory, environment: ["TOKEN": Secrets.parameter])
            #expect(next.exitCode == 65, "\(next.stderr)")
            #expect(next.stderr.contains("--mark-applied"))
        case .sql, .schema, .lockWait, .migrationSQL:
            let next = try Run.finished(["up", "--log-format", "text"], in: directory, environment: ["TOKEN": Secrets.parameter])
            #expect(next.exitCode == 0, "\(next.stderr)")
            #expect(try connection.value("SELECT to_regclass('stopped') IS NOT NULL") == "t")
        case .wait, .command:
            break
        }
    }

    /// The defaults that keep a dead client or a dead server from holding anything for hours, as the server sees
    /// them over TCP (on a Unix socket the keepalives do not apply), and `[database] settings` overriding them.
    @Test(arguments: [("", ["10", "5", "3", "1s", "10s"]), ("tcp_keepalives_idle = \"60\", client_connection_check_interval = \"0\"", ["60", "5", "3", "0", "10s"])])
    func everySessionKeepsAliveAndWatchesForADeadClient(settings: String, expected: [String]) throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            url: TestDatabase.passwordURL(database),
            steps: """
                \(settings.isEmpty ? "" : "[database.settings]\n\(settings.replacing(", ", with: "\n"))\n")
                [steps.record]
                kind = "sql"
                sql = \"\"\"
                CREATE TABLE seen AS SELECT current_setting('tcp_keepalives_idle') AS a, current_setting('tcp_keepalives_interval') AS b,
                    current_setting('tcp_keepalives_count') AS c, current_setting('client_connection_check_interval') AS d,
                    current_setting('lock_timeout') AS e
                \"\"\"
                """)
        let run = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.query("SELECT a, b, c, d, e FROM seen") == [expected.map { Optional($0) }])
    }

    /// prestart's own side: its TCP sessions probe a silent server after 10 s, not after the system's two hours,
    /// as `ss` shows for the socket of a running step.
    @Test func prestartsSessionsProbeASilentServerWithinSeconds() throws {
        let database = try TestDatabase.createDatabase()
        let holder = try TestDatabase.connect(to: database.name)
        defer { holder.close() }
        try holder.execute("SELECT pg_advisory_lock(4242)")
        let directory = try project(
            url: TestDatabase.passwordURL(database),
            steps: "[steps.blocked]\nkind = \"sql\"\nsql = \"SELECT pg_advisory_lock(4242) AS probe_\(Self.unique)\"\n")
        let run = try Run(["up"], in: directory)
        #expect(try eventually { try holder.isRunning("probe_\(Self.unique)") })
        // Until the server's delayed ACK of the query arrives, the socket shows its retransmission timer instead.
        var socket = Substring()
        var timer = Substring()
        _ = eventually(timeout: .seconds(5)) {
            Shell.run("ss -tnoepH state established '( dport = :\(database.port) )' > '\(directory.path)/ss.txt'")
            socket = directory.read("ss.txt").split(separator: "\n").first { $0.contains("pid=\(run.pid),") } ?? ""
            timer = socket.firstRange(of: "timer:(keepalive,").map { socket[$0.upperBound...].prefix { $0 != "," } } ?? ""
            return !timer.isEmpty
        }
        try holder.execute("SELECT pg_advisory_unlock(4242)")
        #expect(run.wait() == 0, "\(run.stderr)")
        print("prestart's TCP session to the server: keepalive timer \(timer)")
        #expect(!timer.isEmpty && !timer.contains("min"), "the keepalive timer of prestart's socket: \(socket)")
    }
}

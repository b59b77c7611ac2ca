import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// wait and sql steps through the built binary, against the real PostgreSQL of `scripts/test.sh` and real
/// SQLite files.
@Suite(
    .serialized, .timeLimit(.minutes(2)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct DatabaseStepTests {
    func project(_ config: String, files: [String: String] = [:]) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", config)
        for (name, text) in files { try directory.write(name, text) }
        return directory
    }

    func query(_ database: String, _ sql: String) throws -> [[String?]] {
        let connection = try TestDatabase.connect(to: database)
        defer { connection.close() }
        return try connection.query(sql)
    }

    @Test func waitOnADeadPortGivesUpWith69AfterItsTimeout() throws {
        let directory = try project(
            """
            [steps.wait-for-api]
            kind = "wait"
            target = "tcp://127.0.0.1:1"
            timeout = "1s"
            """)
        let clock = ContinuousClock()
        let start = clock.now
        let run = try PrestartProcess.run(["up", "--report", "report.json", "--log-format", "text"], in: directory)
        let elapsed = clock.now - start
        #expect(run.exitCode == 69)
        #expect(elapsed >= .seconds(1) && elapsed < .seconds(3), "took \(elapsed)")
        #expect(run.stderr.contains("127.0.0.1:1: Connection refused"))
        #expect(directory.read("report.json").contains("\"error\":\"gave up waiting for tcp://127.0.0.1:1 after"))
    }

    @Test func waitOnAStoppedDatabaseGivesUpWith69() throws {
        let directory = try project(
            """
            [database]
            url = "postgresql://postgres@/postgres?host=/nonexistent-socket-dir&port=5999"

            [steps.wait-for-db]
            kind = "wait"
            timeout = "500ms"
            """)
        let run = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 69)
        #expect(run.stderr.contains("No such file or directory"))
    }

    @Test func waitProceedsOnceTheServerStarts() throws {
        let directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)  // the postgres user must reach the cluster's folder
        let cluster = directory.path + "/pg"
        // A second, not yet started server: its socket will appear in `cluster` on a port we learn later,
        // so wait on a fixed socket path by pointing libpq at the folder and a port we pick now.
        let port = 20000 + Int.random(in: 0..<40000)
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "postgresql://postgres@/postgres?host=\(cluster)&port=\(port)"

            [steps.wait-for-db]
            kind = "wait"
            timeout = "60s"
            """)
        let scripts = Path.resolve("scripts", against: FileSystem.currentDirectory)
        let prestart = try PrestartProcess(["up", "--log-format", "text"], in: directory)
        usleep(300_000)
        #expect(Shell.run("PG_THROWAWAY_PORT=\(port) \(scripts)/pg-throwaway start \(cluster) > /dev/null") == 0)
        defer { Shell.run("\(scripts)/pg-throwaway stop \(cluster) > /dev/null 2>&1") }
        #expect(prestart.wait() == 0, "\(prestart.stderr)")
        #expect(prestart.stderr.contains("the database is ready after"))
    }

    @Test func aMultiStatementFileRunsWithBoundParametersStoredLiterally() throws {
        let database = try TestDatabase.createDatabase()
        let hostile = "x'); DROP TABLE notes; --"
        let directory = try project(
            """
            [database]
            url = "\(database.url)"

            [steps.seed]
            kind = "sql"
            file = "seed.sql"
            params = { body = "\(hostile)", author = "ann" }
            """,
            files: [
                "seed.sql": """
                -- a comment with a :fake parameter and a ' quote
                CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL, author text);
                CREATE FUNCTION shout(t text) RETURNS text AS $$
                BEGIN
                    RETURN upper(t) || '; :not_a_param';
                END;
                $$ LANGUAGE plpgsql;
                INSERT INTO notes (body, author) VALUES (:body, :author::text);
                INSERT INTO notes (body, author) VALUES (shout(:author), 'x'::text);
                """
            ])
        let run = try PrestartProcess.run(["up"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let rows = try query(database.name, "SELECT body, author FROM notes ORDER BY id")
        #expect(rows == [[hostile, "ann"], ["ANN; :not_a_param", "x"]])
    }

    @Test func anErrorNamesFileLineAndSqlstateAndRollsBackTheWholeFile() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            """
            [database]
            url = "\(database.url)"

            [steps.broken]
            kind = "sql"
            file = "broken.sql"
            """,
            files: ["broken.sql": "CREATE TABLE first_one (id int);\n\nSELECT * FROM missing_table;\n"])
        let run = try PrestartProcess.run(["up", "--report", "report.json", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 1)
        let message = "broken.sql:3: ERROR 42P01: relation \\\"missing_table\\\" does not exist (rolled back)"
        #expect(directory.read("report.json").contains("\"failed_step\":\"broken\",\"error\":\"\(message)\""))
        #expect(run.stderr.contains("[broken] failed after"))
        #expect(run.stderr.contains("broken.sql:3: ERROR 42P01"))
        #expect(try query(database.name, "SELECT to_regclass('first_one') IS NULL") == [["t"]])
    }

    @Test func theFastAPITemplatesURLWorksAndItsPasswordNeverShows() throws {
        let database = try TestDatabase.createDatabase()
        let password = "prestart-test-pw"
        let url = "postgresql+psycopg://prestart_test:\(password)@127.0.0.1:\(database.port)/\(database.name)"
        let directory = try project(
            """
            [database]
            url = "${DATABASE_URL}"

            [steps.wait-for-db]
            kind = "wait"

            [steps.seed]
            kind = "sql"
            sql = "CREATE TABLE seeded (token text); INSERT INTO seeded VALUES (:token)"
            params = { token = "${API_TOKEN}" }
            secret = ["token"]
            after = ["wait-for-db"]

            [steps.show]
            kind = "command"
            run = ["sh", "-c", "echo token=$API_TOKEN url=$DATABASE_URL; exit 1"]
            after = ["seed"]
            """)
        let run = try PrestartProcess.run(
            ["up", "--report", "report.json", "--log-level", "trace"], in: directory,
            environment: ["DATABASE_URL": url, "API_TOKEN": "tok-98765"])
        #expect(run.exitCode == 1, "the last step fails on purpose so its output and error land everywhere")
        #expect(try query(database.name, "SELECT token FROM seeded") == [["tok-98765"]])
        let everything = run.stderr + run.stdout + directory.read("report.json")
        #expect(everything.contains("token=*** url=postgresql+psycopg://prestart_test:***@"))
        #expect(!everything.contains(password))
        #expect(!everything.contains("tok-98765"))
        let wrong = try PrestartProcess.run(
            ["up", "--log-format", "text"], in: directory,
            environment: ["DATABASE_URL": url.replacing(password, with: "wrong-pw-x"), "API_TOKEN": "unused-token"])
        #expect(wrong.exitCode == 1, "wrong credentials fail the wait at once instead of retrying for minutes")
        #expect(wrong.stderr.contains("password authentication failed"))
        #expect(!wrong.stderr.contains("wrong-pw-x"))
    }

    /// The server rejects these for good (SQLSTATE class 28): the wait step fails at once with exit 1,
    /// well inside its 60 s timeout, instead of waiting it out and giving up with 69.
    @Test(arguments: [("prestart_test", "wrong-pw-x"), ("no_such_role_x", "prestart-test-pw")])
    func aPermanentAuthenticationFailureFailsTheWaitAtOnce(user: String, password: String) throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            """
            [database]
            url = "postgresql://\(user):\(password)@127.0.0.1:\(database.port)/\(database.name)"

            [steps.wait-for-db]
            kind = "wait"
            timeout = "60s"
            """)
        let clock = ContinuousClock()
        let start = clock.now
        let run = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        let elapsed = clock.now - start
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(elapsed < .seconds(10), "took \(elapsed)")
        // A missing role gets the same answer as a wrong password under password authentication (the server does
        // not say which roles exist); the code is the error's, once, not inside libpq's words.
        #expect(run.stderr.contains("28P01: connection to server at"), "\(run.stderr)")
        #expect(run.stderr.contains("failed: FATAL: password authentication failed for user \"\(user)\""), "\(run.stderr)")
        #expect(run.stderr.contains("not retried"), "\(run.stderr)")
        #expect(!run.stderr.contains("LOCATION:"), "\(run.stderr)")
    }

    @Test func theSameSqlStepRunsOnSQLite() throws {
        let directory = try project(
            """
            [database]
            url = "sqlite:///var/app.db"

            [steps.wait-for-db]
            kind = "wait"

            [steps.seed]
            kind = "sql"
            file = "seed.sql"
            params = { body = "x'); DROP TABLE notes; --" }
            after = ["wait-for-db"]

            [steps.broken]
            kind = "sql"
            sql = \"\"\"
            INSERT INTO notes (body) VALUES ('kept only if committed');
            INSERT INTO nope VALUES (1);
            \"\"\"
            after = ["seed"]
            """,
            files: [
                "seed.sql": """
                CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);
                INSERT INTO notes (body) VALUES (:body);
                """
            ])
        let run = try PrestartProcess.run(["up", "--report", "report.json", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("prestart.toml:17: SQLITE_ERROR (1): no such table: nope (rolled back)"), "\(run.stderr)")
        let connection = try SQLiteConnection.open(path: directory.path + "/var/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        #expect(try connection.query("SELECT body FROM notes") == [["x'); DROP TABLE notes; --"]])
    }
}

import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// Commands an operator runs by hand must not make things worse: a failed forced re-run, `resolve` on healthy work,
/// and the read-only commands, through the built binary on PostgreSQL and SQLite.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct OperatorSafetyTests {
    enum Engine: String, CaseIterable, CustomTestStringConvertible {
        case postgres, sqlite
        var testDescription: String { rawValue }
    }

    /// A project on `engine` with a migrations folder `m`, and a connection to its database (on SQLite, opened once
    /// the file exists: ask for it after the first `up`).
    struct Project {
        let directory: TemporaryDirectory
        let engine: Engine
        let databaseName: String?

        init(_ engine: Engine, extra: String = "") throws {
            self.engine = engine
            directory = try TemporaryDirectory()
            let url: String
            switch engine {
            case .postgres:
                let database = try TestDatabase.createDatabase()
                url = database.url
                databaseName = database.name
            case .sqlite:
                url = "sqlite:///app.db"
                databaseName = nil
            }
            try directory.write(
                "prestart.toml",
                """
                [database]
                url = "\(url)"

                [steps.m]
                kind = "migrations"
                dir = "m"
                \(extra)
                """)
            mkdir(directory.path + "/m", 0o755)
        }

        func connect() throws -> any DatabaseConnection {
            switch engine {
            case .postgres: try TestDatabase.connect(to: databaseName!)
            case .sqlite: try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(5))
            }
        }

        func value(_ sql: String) throws -> String? {
            let connection = try connect()
            defer { connection.close() }
            return try connection.value(sql)
        }

        /// The ledger's row for `name`: status, checksum, started and finished.
        func row(_ name: String) throws -> [String?] {
            let connection = try connect()
            defer { connection.close() }
            let placeholder = engine == .postgres ? "$1" : "?1"
            return try connection.query(
                "SELECT status, checksum, started_at, finished_at FROM prestart_ledger WHERE name = \(placeholder)",
                [name]
            ).first ?? []
        }

        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> PrestartProcess {
            try PrestartProcess.run(arguments + ["--log-format", "text"], in: directory, environment: environment)
        }
    }

    // MARK: A failed `run --force`

    @Test(arguments: Engine.allCases)
    func aFailedForcedRerunOfATransactionalUnitLeavesItsAppliedRowAsItWas(_ engine: Engine) throws {
        let project = try Project(engine)
        try project.directory.write("m/1-a.sql", "CREATE TABLE a (id int);\n")
        let up = try project.run(["up"])
        #expect(up.exitCode == 0, "\(up.stderr)")
        let applied = try project.row("m/1-a.sql")
        #expect(applied.first == "applied")

        let forced = try project.run(["run", "m/1-a.sql", "--force", "--no-deps"])
        #expect(forced.exitCode == 1)
        #expect(forced.stderr.contains("(rolled back)"), "\(forced.stderr)")
        #expect(try project.row("m/1-a.sql") == applied, "same status, checksum and times")

        let status = try project.run(["status"])
        #expect(status.exitCode == 0)
        #expect(status.stdout.contains("m/1-a.sql  applied"), "\(status.stdout)")
        for _ in 0..<2 {
            let again = try project.run(["up"])
            #expect(again.exitCode == 0, "every later start goes on: \(again.stderr)")
        }
    }

    /// Not forced, a failed transactional unit keeps a `failed` row for the record, and the next start tries it again.
    @Test(arguments: Engine.allCases)
    func aFailedTransactionalUnitIsRecordedAsFailedAndRetried(_ engine: Engine) throws {
        let project = try Project(engine)
        try project.directory.write("m/1-a.sql", "CREATE TABLE a (id int);\nINSERT INTO nowhere VALUES (1);\n")
        #expect(try project.run(["up"]).exitCode == 1)
        #expect(try project.row("m/1-a.sql").first == "failed")
        try project.directory.write("m/1-a.sql", "CREATE TABLE a (id int);\n")
        #expect(try project.run(["up"]).exitCode == 0)
        #expect(try project.row("m/1-a.sql").first == "applied")
    }

    // MARK: The failure of a non-transactional unit

    @Test(arguments: Engine.allCases)
    func theFirstFailureOfANonTransactionalUnitSaysWhatComesNext(_ engine: Engine) throws {
        let project = try Project(engine)
        let script = try project.directory.write("m/1-transform.sh", "#!/bin/sh\nexit 3\n")
        chmod(script, 0o755)
        let failed = try project.run(["up"])
        #expect(failed.exitCode == 1)
        #expect(failed.stderr.contains("exited with status 3"), "\(failed.stderr)")
        #expect(failed.stderr.contains("it ran outside a transaction, so it may have changed data"))
        #expect(failed.stderr.contains("Every start now stops with exit 65"))
        #expect(failed.stderr.contains("`prestart resolve m/1-transform.sh --mark-applied` if its work is done"))
        #expect(failed.stderr.contains("`prestart resolve m/1-transform.sh --forget` if it changed nothing"))
        #expect(try project.run(["up"]).exitCode == 65)
    }

    @Test(arguments: Engine.allCases)
    func aFailedForcedRerunOfANonTransactionalUnitIsRecordedAndSaysWhatToDo(_ engine: Engine) throws {
        let project = try Project(engine)
        let script = try project.directory.write(
            "m/1-once.sh", "#!/bin/sh\n[ -e \"$(dirname \"$0\")/../fail\" ] && exit 3\nexit 0\n")
        chmod(script, 0o755)
        #expect(try project.run(["up"]).exitCode == 0)
        _ = try project.directory.write("fail", "")
        let forced = try project.run(["run", "m/1-once.sh", "--force", "--no-deps"])
        #expect(forced.exitCode == 1)
        #expect(forced.stderr.contains("this forced re-run replaced its applied record"), "\(forced.stderr)")
        #expect(forced.stderr.contains("prestart resolve m/1-once.sh --mark-applied"))
        #expect(try project.row("m/1-once.sh").first == "failed")
        #expect(try project.run(["up"]).exitCode == 65, "recorded as it happened: it may have changed data")
    }

    // MARK: resolve on an applied unit

    @Test(arguments: Engine.allCases)
    func resolveRefusesAnAppliedUnitUnlessForced(_ engine: Engine) throws {
        let project = try Project(engine)
        try project.directory.write("m/1-add-notes.sql", "CREATE TABLE notes (n text);\nINSERT INTO notes VALUES ('x');\n")
        #expect(try project.run(["up"]).exitCode == 0)
        let applied = try project.row("m/1-add-notes.sql")

        for flag in ["--forget", "--mark-applied"] {
            let refused = try project.run(["resolve", "m/1-add-notes.sql", flag])
            #expect(refused.exitCode == 64, "\(refused.stderr)")
            #expect(refused.stderr.contains("m/1-add-notes.sql is applied"))
            #expect(refused.stderr.contains("`prestart resolve m/1-add-notes.sql \(flag) --force` would"))
            #expect(try project.row("m/1-add-notes.sql") == applied)
        }
        #expect(try project.run(["up"]).exitCode == 0)
        #expect(try project.value("SELECT count(*) FROM notes") == "1", "nothing ran twice")

        let forced = try project.run(["resolve", "m/1-add-notes.sql", "--forget", "--force"])
        #expect(forced.exitCode == 0, "\(forced.stderr)")
        #expect(forced.stderr.contains("forced resolve of the applied unit m/1-add-notes.sql"))
        #expect(forced.stderr.contains("user="))
        #expect(forced.stderr.contains("host="))
        #expect(forced.stderr.contains("old_checksum=\(try #require(applied[1] ?? nil))"))
        #expect(try project.row("m/1-add-notes.sql").isEmpty)
    }

    // MARK: Read-only commands: only the variables they use

    @Test(arguments: Engine.allCases)
    func readOnlyCommandsNeedOnlyTheVariablesTheyUse(_ engine: Engine) throws {
        let project = try Project(
            engine,
            extra: """

                [steps.seed]
                kind = "sql"
                sql = "SELECT :password"
                params = { password = "${ADMIN_PASSWORD}" }
                secret = ["password"]
                timeout = "${SEED_TIMEOUT}"
                """)
        try project.directory.write("m/1-a.sql", "CREATE TABLE a (id int);\n")
        let set = ["ADMIN_PASSWORD": "read-only-secret-pw", "SEED_TIMEOUT": "5s"]
        #expect(try project.run(["up"], environment: set).exitCode == 0)

        for command in [["status"], ["plan"], ["graph"]] {
            let run = try project.run(command)
            #expect(run.exitCode == 0, "\(command): \(run.stderr)")
        }
        let plan = try project.run(["plan"])
        #expect(plan.stdout.contains("m/1-a.sql"), "\(plan.stdout)")
        #expect(plan.stderr.contains("prestart.toml:11: steps.seed.params.password: environment variable ADMIN_PASSWORD is not set"), "\(plan.stderr)")

        let check = try project.run(["check"])
        #expect(check.exitCode == 0, "\(check.stderr)")
        #expect(check.stderr.contains("steps.seed.params.password: environment variable ADMIN_PASSWORD is not set"))
        #expect(check.stderr.contains("steps.seed.timeout: environment variable SEED_TIMEOUT is not set"))
        let strict = try project.run(["check", "--strict"])
        #expect(strict.exitCode == 1)
        #expect(try project.run(["check", "--strict"], environment: set).exitCode == 0)

        // Running keeps failing at once, before any step, naming file, line and key.
        for command in [["up"], ["run", "m"]] {
            let run = try project.run(command, environment: ["SEED_TIMEOUT": "5s"])
            #expect(run.exitCode == 78, "\(command)")
            #expect(run.stderr.contains("prestart.toml:11: steps.seed.params.password: environment variable ADMIN_PASSWORD is not set"), "\(run.stderr)")
        }
    }

    @Test func statusAndPlanNeedTheDatabaseURL() throws {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", "[database]\nurl = \"${DATABASE_URL}\"\n")
        for command in ["status", "plan"] {
            let run = try PrestartProcess.run([command, "--log-format", "text"], in: directory)
            #expect(run.exitCode == 78)
            #expect(run.stderr.contains("prestart.toml:2: database.url: environment variable DATABASE_URL is not set"))
        }
        let check = try PrestartProcess.run(["check", "--log-format", "text"], in: directory)
        #expect(check.exitCode == 0, "check needs no database: \(check.stderr)")
        #expect(check.stderr.contains("database.url: environment variable DATABASE_URL is not set"))
    }

    // MARK: Read-only commands: nothing created

    @Test func statusAndPlanNeverCreateASQLiteDatabase() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml", "[database]\nurl = \"sqlite:///var/tyop.db\"\n\n[steps.m]\nkind = \"migrations\"\ndir = \"m\"\n")
        mkdir(directory.path + "/m", 0o755)
        for command in ["status", "plan"] {
            let run = try PrestartProcess.run([command, "--log-format", "text"], in: directory)
            #expect(run.exitCode == 69, "\(command): \(run.stderr)")
            #expect(run.stderr.contains("there is no SQLite database at \(directory.path)/var/tyop.db"), "\(run.stderr)")
            #expect(!run.stdout.contains("the ledger is empty"))
        }
        #expect(!FileSystem.exists(directory.path + "/var/tyop.db"))
        #expect(!FileSystem.exists(directory.path + "/var"))
    }

    @Test(arguments: Engine.allCases)
    func statusAndPlanCreateNoLedgerTables(_ engine: Engine) throws {
        let project = try Project(engine)
        if engine == .sqlite {
            // An existing database, as the app left it, without a ledger yet.
            let connection = try SQLiteConnection.open(path: project.directory.path + "/app.db", busyTimeout: .seconds(5))
            try connection.execute("CREATE TABLE app (id int)")
            connection.close()
        }
        try project.directory.write("m/1-a.sql", "CREATE TABLE a (id int);\n")
        for command in ["status", "plan"] {
            let run = try project.run([command])
            #expect(run.exitCode == 0, "\(command): \(run.stderr)")
        }
        let exists =
            engine == .postgres
            ? "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'prestart%'"
            : "SELECT count(*) FROM sqlite_master WHERE name LIKE 'prestart%'"
        #expect(try project.value(exists) == "0")
    }
}

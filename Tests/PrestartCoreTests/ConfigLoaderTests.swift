import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

@Suite struct ConfigLoaderTests {
    let loader = ConfigLoader(environment: Environment(["HOME": "/root", "APP_ENV": "test"]))

    func load(_ text: String) throws -> Config {
        try loader.load(text: text, file: "/etc/app/prestart.toml")
    }

    @Test func loadsAFullConfigWithPathsResolvedAgainstItsFolder() throws {
        let config = try load(
            """
            [database]
            url = "postgresql+psycopg://app:pw@db:5432/app"
            settings = { lock_timeout = "5s" }

            [steps.migrate]
            kind = "command"
            run = ["./migrate", "--env", "${APP_ENV}"]
            timeout = "10m"
            retries = 2
            retry-delay = "500ms"
            env = { MODE = "fast", LEVEL = 3 }
            description = "apply the migrations"

            [steps.backfill]
            kind = "command"
            run = ["python", "-m", "backfill"]
            on-demand = true
            after = ["migrate"]
            workdir = "../scripts"

            [app]
            command = ["fastapi", "run"]
            """)
        #expect(config.directory == "/etc/app")
        #expect(config.database?.url == .postgres(conninfo: "postgresql://app:pw@db:5432/app"))
        #expect(config.database?.settings.first?.value == "5s")
        #expect(config.steps.map(\.name) == ["migrate", "backfill"])
        let migrate = try #require(config.step(named: "migrate"))
        let command = try #require(migrate.kind as? CommandStep)
        #expect(command.run == ["./migrate", "--env", "test"])
        #expect(migrate.timeout == .seconds(600))
        #expect(migrate.retries == 2)
        #expect(migrate.retryDelay == .milliseconds(500))
        #expect(migrate.environment == ["MODE": "fast", "LEVEL": "3"])
        #expect(migrate.workdir == "/etc/app")
        #expect(migrate.line == 5)
        let backfill = try #require(config.step(named: "backfill"))
        #expect(backfill.onDemand)
        #expect(backfill.workdir == "/etc/scripts")
        #expect(config.app?.command == ["fastapi", "run"])
    }

    /// The migration files in version order, each read and hashed at load; `-- prestart:no-transaction` on the
    /// first line is seen with Windows line ends too.
    @Test func aMigrationsFolderIsReadInVersionOrder() throws {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", "[database]\nurl = \"sqlite:///app.db\"\n[steps.m]\nkind = \"migrations\"\ndir = \"m\"\n")
        mkdir(directory.path + "/m", 0o755)
        try directory.write("m/10-later.sql", "SELECT 1;\n")
        try directory.write("m/2-index.sql", "-- prestart:no-transaction\r\nCREATE INDEX i ON t (x);\r\n")
        let config = try loader.load(file: directory.path + "/prestart.toml")
        let step = try #require(config.step(named: "m"))
        let migrations = try #require(step.kind as? MigrationsStep)
        #expect(migrations.files.map(\.name) == ["m/2-index.sql", "m/10-later.sql"])
        #expect(migrations.files[1].checksum == Checksum.sha256(Array("SELECT 1;\n".utf8)))
        let transactional = migrations.files.map { file in
            if case .sql(_, _, let transactional) = file.body { transactional } else { nil as Bool? }
        }
        #expect(transactional == [false, true])
    }

    /// Every config error names the file, the line and the key.
    @Test(arguments: [
        (
            "cycle",
            """
            [steps.a]
            kind = "command"
            run = ["true"]
            after = ["c"]

            [steps.b]
            kind = "command"
            run = ["true"]
            after = ["a"]

            [steps.c]
            kind = "command"
            run = ["true"]
            after = ["b"]
            """,
            4, "steps.a.after", "a → c → b → a"
        ),
        (
            "unknown key",
            """
            [steps.a]
            kind = "command"
            run = ["true"]
            timout = "5s"
            """,
            4, "steps.a.timout", "unknown key"
        ),
        (
            "unknown top-level table",
            """
            [step.a]
            kind = "command"
            """,
            1, "step", "unknown key"
        ),
        (
            "bad duration",
            """
            [steps.a]
            kind = "command"
            run = ["true"]

            timeout = "5 minutes"
            """,
            5, "steps.a.timeout", "\"5 minutes\" is not a duration"
        ),
        (
            "duration without unit",
            """
            [steps.a]
            kind = "command"
            run = ["true"]
            timeout = 30
            """,
            4, "steps.a.timeout", "needs a unit"
        ),
        (
            "unset variable",
            """
            [database]
            url = "postgresql://${PGUSER_NOT_SET}@db/app"
            """,
            2, "database.url", "PGUSER_NOT_SET is not set"
        ),
        (
            "required variable",
            """
            [database]
            url = "${DATABASE_URL:?set it to the app's database}"
            """,
            2, "database.url", "DATABASE_URL is required: set it to the app's database"
        ),
        (
            "wrong type",
            """
            [steps.a]
            kind = "command"
            run = "true"
            """,
            3, "steps.a.run", "must be an array of strings, not a string"
        ),
        (
            "unknown dependency",
            """
            [steps.a]
            kind = "command"
            run = ["true"]
            after = ["wait-for-db"]
            """,
            4, "steps.a.after", "step \"wait-for-db\" does not exist"
        ),
        (
            "regular step after an on-demand one",
            """
            [steps.a]
            kind = "command"
            run = ["true"]
            on-demand = true

            [steps.b]
            kind = "command"
            run = ["true"]
            after = ["a"]
            """,
            9, "steps.b.after", "is on-demand"
        ),
        (
            "missing kind",
            """
            [steps.a]
            run = ["true"]
            """,
            1, "steps.a.kind", "is required"
        ),
        (
            "unknown kind",
            """
            [steps."v1.2"]
            kind = "shell"
            """,
            2, "steps.\"v1.2\".kind", "\"shell\" is not a step kind"
        ),
        (
            "invalid step name",
            """
            [steps]
            "a b" = { kind = "command", run = ["true"] }
            """,
            2, "steps.\"a b\"", "is not a valid step name"
        ),
        (
            "sql step without a database",
            """
            [steps.seed]
            kind = "sql"
            sql = "SELECT 1"
            """,
            2, "steps.seed.kind", "needs a database"
        ),
        (
            "parameter without a value",
            """
            [database]
            url = "sqlite:///app.db"

            [steps.seed]
            kind = "sql"
            params = { email = "a@b.c" }
            sql = \"\"\"
            INSERT INTO t (a, b) VALUES (:email, 'x'::text);
            INSERT INTO t (a) VALUES (:password);
            \"\"\"
            """,
            6, "steps.seed.params", "the SQL uses :password (prestart.toml:9) but params has no password"
        ),
        (
            "secret that is not a parameter",
            """
            [database]
            url = "sqlite:///app.db"

            [steps.seed]
            kind = "sql"
            sql = "SELECT 1"
            secret = ["password"]
            """,
            7, "steps.seed.secret", "names \"password\", which is not in params"
        ),
        (
            "unknown database scheme",
            """
            [database]
            url = "mysql://root@db/app"
            """,
            2, "database.url", "mysql://root@db/app"
        ),
        (
            "bad wait target",
            """
            [steps.wait]
            kind = "wait"
            target = "tcp://db"
            """,
            3, "steps.wait.target", "is not a wait target"
        ),
        (
            "duplicate step",
            """
            [steps.a]
            kind = "command"
            run = ["true"]

            [steps.a]
            kind = "command"
            """,
            5, nil, "invalid TOML"
        ),
    ] as [(String, String, Int, String?, String)])
    func errorsNameLineAndKey(name: String, text: String, line: Int, key: String?, message: String) {
        #expect {
            try load(text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            #expect(error.file == "/etc/app/prestart.toml", "\(name)")
            #expect(error.line == line, "\(name): \(error)")
            #expect(error.key == key, "\(name): \(error)")
            #expect(error.message.contains(message), "\(name): \(error)")
            return true
        }
    }

    @Test func waitTargetsAndDefaults() throws {
        let config = try load(
            """
            [database]
            url = "postgresql+asyncpg://app:pw@db:5432/app"

            [steps.db]
            kind = "wait"

            [steps.api]
            kind = "wait"
            target = "http://api:8000/health"
            interval = "10ms..200ms"
            timeout = "30s"

            [steps.cache]
            kind = "wait"
            target = "tcp://[::1]:6379"

            [steps.flag]
            kind = "wait"
            target = "file:run/ready"
            """)
        func wait(_ name: String) throws -> (WaitTarget, Backoff, Duration?) {
            let step = try #require(config.step(named: name))
            let wait = try #require(step.kind as? WaitStep)
            return (wait.target, wait.interval, step.timeout)
        }
        #expect(try wait("db").0 == .database)
        #expect(try wait("db").1 == WaitStep.defaultInterval)
        #expect(try wait("db").2 == .seconds(300))
        #expect(try wait("api").0 == .http(host: "api", port: 8000, path: "/health"))
        #expect(try wait("api").1 == Backoff(initial: .milliseconds(10), maximum: .milliseconds(200)))
        #expect(try wait("api").2 == .seconds(30))
        #expect(try wait("cache").0 == .tcp(host: "::1", port: 6379))
        #expect(try wait("flag").0 == .file(path: "/etc/app/run/ready"))
    }

    @Test func missingFileNamesTheFileAndHowToPointAtAnother() {
        #expect {
            try loader.load(file: "/nonexistent/prestart.toml")
        } throws: { error in
            let text = "\(error)"
            return error is ConfigError && text.contains("/nonexistent/prestart.toml")
                && text.contains("No such file") && text.contains("PRESTART_CONFIG")
        }
    }

    @Test func configFileComesFromFlagThenEnvironmentThenWorkingDirectory() {
        let cwd = FileSystem.currentDirectory
        #expect(loader.locate(explicit: "/x/a.toml") == "/x/a.toml")
        let withVariable = ConfigLoader(environment: Environment(["PRESTART_CONFIG": "/y/b.toml"]))
        #expect(withVariable.locate(explicit: nil) == "/y/b.toml")
        #expect(withVariable.locate(explicit: "c.toml") == cwd + "/c.toml")
        #expect(loader.locate(explicit: nil) == cwd + "/prestart.toml")
    }
}

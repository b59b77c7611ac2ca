import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// The alembic step through the built binary with real Alembic (`PRESTART_TEST_ALEMBIC`, installed by
/// scripts/test.sh) on PostgreSQL and SQLite. `run` is a wrapper that counts its calls before it execs Alembic,
/// so "skipped without Python" is a count that did not grow.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct AlembicStepTests {
    /// In CI a missing Alembic fails the tests, never skips them.
    static func alembic() throws -> String {
        try #require(
            TestDatabase.environment("PRESTART_TEST_ALEMBIC"),
            "PRESTART_TEST_ALEMBIC is not set: run the tests through scripts/test.sh, which installs Alembic")
    }

    enum Database: String, CaseIterable, CustomTestStringConvertible {
        case postgres, sqlite
        var testDescription: String { rawValue }
    }

    struct Project {
        var directory: TemporaryDirectory
        /// The SQLAlchemy URL: prestart and env.py both read it from DATABASE_URL.
        var url: String
        var databaseName: String?

        var calls: Int { directory.read("calls.log").split(separator: "\n").count }

        func up(_ extra: [String] = []) throws -> PrestartProcess {
            try PrestartProcess.run(["up", "--log-format", "text"] + extra, in: directory, environment: ["DATABASE_URL": url])
        }

        func start() throws -> PrestartProcess {
            try PrestartProcess(["up", "--log-format", "text"], in: directory, environment: ["DATABASE_URL": url])
        }

        func command(_ arguments: [String]) throws -> PrestartProcess {
            try PrestartProcess.run(arguments, in: directory, environment: ["DATABASE_URL": url])
        }

        func revision(
            _ id: String, down: String?, table: String, labels: String = "None", dependsOn: String = "None"
        ) throws {
            try directory.write(
                "migrations/versions/\(id)_create_\(table).py",
                """
                \"\"\"create \(table)

                Revision ID: \(id)
                Revises: \(down ?? "")
                \"\"\"
                from typing import Sequence, Union

                from alembic import op
                import sqlalchemy as sa

                # revision identifiers, used by Alembic.
                revision: str = "\(id)"
                down_revision: Union[str, Sequence[str], None] = \(down.map { "\"\($0)\"" } ?? "None")
                branch_labels: Union[str, Sequence[str], None] = \(labels)
                depends_on: Union[str, Sequence[str], None] = \(dependsOn)


                def upgrade() -> None:
                    op.create_table("\(table)", sa.Column("id", sa.Integer, primary_key=True))


                def downgrade() -> None:
                    op.drop_table("\(table)")

                """)
        }

        /// The rows of the version table (SQL, quoted as needed), through prestart's own drivers.
        func versions(in table: String = "alembic_version") throws -> [String] {
            let connection: any DatabaseConnection
            if let databaseName {
                connection = try PostgresConnection.connect(
                    conninfo: TestDatabase.url!.replacing("/postgres?", with: "/\(databaseName)?"), connectTimeout: .seconds(5))
            } else {
                connection = try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(5))
            }
            defer { connection.close() }
            return try connection.query("SELECT version_num FROM \(table) ORDER BY 1").map { $0[0] ?? "" }
        }

        /// Runs SQL on the project's database, as a test's own setup.
        func execute(_ sql: String) throws {
            let connection: any DatabaseConnection
            if let databaseName {
                connection = try PostgresConnection.connect(
                    conninfo: TestDatabase.url!.replacing("/postgres?", with: "/\(databaseName)?"), connectTimeout: .seconds(5))
            } else {
                connection = try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(5))
            }
            defer { connection.close() }
            try connection.execute(sql)
        }
    }

    /// A fresh database and an Alembic project with revisions a1 ← b2; `steps` replaces the alembic step.
    func project(_ database: Database, steps: String? = nil) throws -> Project {
        let alembic = try Self.alembic()
        let directory = try TemporaryDirectory()
        let url: String
        var name: String?
        switch database {
        case .postgres:
            let created = try TestDatabase.createDatabase()
            url = created.url.replacing("postgresql://", with: "postgresql+psycopg://")
            name = created.name
        case .sqlite:
            url = "sqlite:///app.db"
        }
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "${DATABASE_URL}"
            lock-timeout = "2m"

            [steps.wait-for-db]
            kind = "wait"
            timeout = "30s"

            \(steps ?? """
            [steps.alembic]
            kind = "alembic"
            after = ["wait-for-db"]
            run = ["./run-alembic.sh", "upgrade", "head"]
            """)
            """)
        try directory.write(
            "alembic.ini",
            """
            [alembic]
            script_location = %(here)s/migrations
            path_separator = os

            [loggers]
            keys = root,sqlalchemy,alembic

            [handlers]
            keys = console

            [formatters]
            keys = generic

            [logger_root]
            level = WARNING
            handlers = console
            qualname =

            [logger_sqlalchemy]
            level = WARNING
            handlers =
            qualname = sqlalchemy.engine

            [logger_alembic]
            level = INFO
            handlers =
            qualname = alembic

            [handler_console]
            class = StreamHandler
            args = (sys.stderr,)
            level = NOTSET
            formatter = generic

            [formatter_generic]
            format = %(levelname)-5.5s [%(name)s] %(message)s
            datefmt = %H:%M:%S
            """)
        let wrapper = try directory.write(
            "run-alembic.sh", "#!/bin/sh\necho \"$$\" >> \"$(dirname \"$0\")/calls.log\"\nexec \(alembic) \"$@\"\n")
        chmod(wrapper, 0o755)
        mkdir(directory.path + "/migrations", 0o755)
        mkdir(directory.path + "/migrations/versions", 0o755)
        try directory.write(
            "migrations/env.py",
            """
            import os
            from logging.config import fileConfig

            from alembic import context
            from sqlalchemy import create_engine, pool

            fileConfig(context.config.config_file_name)
            engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
            with engine.connect() as connection:
                context.configure(connection=connection, target_metadata=None)
                with context.begin_transaction():
                    context.run_migrations()

            """)
        let project = Project(directory: directory, url: url, databaseName: name)
        try project.revision("a1", down: nil, table: "users")
        try project.revision("b2", down: "a1", table: "items")
        return project
    }

    @Test(arguments: Database.allCases)
    func aFreshDatabaseRunsAlembicAndTheNextStartSkipsWithoutPython(_ database: Database) throws {
        let project = try project(database)
        let first = try project.up()
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("[alembic] running ./run-alembic.sh upgrade head: alembic_version does not exist"))
        #expect(first.stderr.contains("Running upgrade a1 -> b2"), "Alembic's output under the step's prefix")
        #expect(project.calls == 1)
        #expect(try project.versions() == ["b2"])

        let second = try project.up(["--report", "report.json"])
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("[alembic] at head b2 (migrations/versions/b2_create_items.py): nothing for Alembic to do"))
        #expect(project.calls == 1, "Python did not start")
        let report = project.directory.read("report.json")
        #expect(report.contains("\"name\":\"alembic\",\"kind\":\"alembic\",\"state\":\"already-applied\""))
        #expect(report.contains("\"revision\":\"b2\""))

        let plan = try project.command(["plan"])
        #expect(plan.stdout.contains("alembic      alembic: at head b2, skipped without Python"), "\(plan.stdout)")
        let status = try project.command(["status"])
        #expect(status.stdout.contains(
            "alembic step alembic: database at b2; folder head b2 (migrations/versions/b2_create_items.py); at head"))
    }

    @Test(arguments: Database.allCases)
    func aNewRevisionFileRunsAlembic(_ database: Database) throws {
        let project = try project(database)
        #expect(try project.up().exitCode == 0)
        try project.revision("c3", down: "b2", table: "orders")
        let plan = try project.command(["plan"])
        #expect(plan.stdout.contains("runs `./run-alembic.sh upgrade head`: the database is at b2, the head is c3"))
        let run = try project.up()
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.contains("the database is at b2, the head is c3 (migrations/versions/c3_create_orders.py)"))
        #expect(project.calls == 2)
        #expect(try project.versions() == ["c3"])
    }

    @Test func twoHeadsRunAlembicAndSayWhy() throws {
        let project = try project(.postgres)
        #expect(try project.up().exitCode == 0)
        try project.revision("c3", down: "a1", table: "orders")
        let run = try project.up(["--report", "report.json"])
        #expect(project.calls == 2)
        #expect(run.stderr.contains("not sure the database is at head: 2 heads: b2 (b2_create_items.py), c3 (c3_create_orders.py)"))
        // Alembic itself refuses `upgrade head` with two heads: its word, its exit status.
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("Multiple head revisions"), "\(run.stderr)")
        #expect(project.directory.read("report.json").contains("\"state\":\"failed\""))
    }

    /// `check` reads the folder without the database or Python: the head it found, or why `up` runs Alembic.
    @Test func checkSaysWhetherTheFastPathCanReadTheFolder() throws {
        let project = try project(.sqlite)
        let found = try project.command(["check", "--log-format", "text"])
        #expect(found.exitCode == 0, "\(found.stderr)")
        #expect(found.stderr.contains("[alembic] the folder's head is b2 (migrations/versions/b2_create_items.py)"), "\(found.stderr)")
        #expect(project.calls == 0)
        try project.revision("c3", down: "a1", table: "orders")
        let unsure = try project.command(["check", "--log-format", "text"])
        #expect(unsure.exitCode == 0, "\(unsure.stderr)")
        #expect(unsure.stderr.contains("warning  [alembic] the fast path cannot be sure (2 heads: b2 (b2_create_items.py), c3 (c3_create_orders.py); "
                + "`alembic upgrade head` refuses several heads): `up` runs `./run-alembic.sh upgrade head` on every start"),
            "\(unsure.stderr)")
        #expect(project.calls == 0)
    }

    /// env.py names its own version table through a constant, in a schema on PostgreSQL, with capitals that
    /// SQLAlchemy quotes: prestart reads that table, not alembic_version nor an unquoted look-alike holding the
    /// head, which decoys here.
    @Test(arguments: Database.allCases)
    func aVersionTableEnvPyNamesIsTheOneRead(_ database: Database) throws {
        let project = try project(database)
        let schema = database == .postgres ? "\"meta\"" : "None"
        try project.directory.write(
            "migrations/env.py",
            """
            import os
            from logging.config import fileConfig

            from alembic import context
            from sqlalchemy import create_engine, pool, text

            VERSION_TABLE = "DeployVersion"
            SCHEMA = \(schema)

            fileConfig(context.config.config_file_name)
            engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.execute(text("CREATE SCHEMA IF NOT EXISTS meta"))
                    connection.commit()
                context.configure(
                    connection=connection, target_metadata=None,
                    version_table=VERSION_TABLE, version_table_schema=SCHEMA,
                )
                with context.begin_transaction():
                    context.run_migrations()

            """)
        let table = database == .postgres ? "meta.\"DeployVersion\"" : "\"DeployVersion\""
        let shown = database == .postgres ? "meta.DeployVersion" : "DeployVersion"
        let first = try project.up()
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("running ./run-alembic.sh upgrade head: \(shown) does not exist"), "\(first.stderr)")
        #expect(try project.versions(in: table) == ["b2"])

        let second = try project.up()
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("[alembic] at head b2 (migrations/versions/b2_create_items.py)"), "\(second.stderr)")
        #expect(project.calls == 1, "Python did not start")

        // Decoys that hold the next head: reading any of them would skip the new revision.
        try project.execute("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)")
        try project.execute("INSERT INTO alembic_version VALUES ('c3')")
        if database == .postgres {
            try project.execute("CREATE TABLE public.\"DeployVersion\" (version_num varchar(32) NOT NULL)")
            try project.execute("INSERT INTO public.\"DeployVersion\" VALUES ('c3')")
            try project.execute("CREATE TABLE meta.deployversion (version_num varchar(32) NOT NULL)")
            try project.execute("INSERT INTO meta.deployversion VALUES ('c3')")
        }
        try project.revision("c3", down: "b2", table: "orders")
        let third = try project.up()
        #expect(third.exitCode == 0, "\(third.stderr)")
        #expect(third.stderr.contains("the database is at b2, the head is c3"), "\(third.stderr)")
        #expect(project.calls == 2)
        #expect(try project.versions(in: table) == ["c3"])
        #expect(try project.up().exitCode == 0)
        #expect(project.calls == 2, "at head c3 again: skipped")
    }

    /// An expand/contract history (contract depends on expand) upgraded with `upgrade heads`: skipped at both
    /// heads, run when one branch has a new revision. Alembic keeps only c1's row once c1, which depends on e1,
    /// is applied; prestart expects exactly that.
    @Test(arguments: Database.allCases)
    func upgradeHeadsSkipsAtEveryHeadAndRunsWhenOneIsBehind(_ database: Database) throws {
        let project = try project(
            database,
            steps: """
                [steps.alembic]
                kind = "alembic"
                after = ["wait-for-db"]
                run = ["./bin/alembic", "upgrade", "heads"]
                """)
        mkdir(project.directory.path + "/bin", 0o755)
        let wrapper = try project.directory.write(
            "bin/alembic",
            "#!/bin/sh\necho \"$$\" >> \"$(dirname \"$0\")/../calls.log\"\nexec \(try Self.alembic()) \"$@\"\n")
        chmod(wrapper, 0o755)
        unlink(project.directory.path + "/migrations/versions/b2_create_items.py")
        try project.revision("e1", down: "a1", table: "expand_items", labels: "(\"expand\",)")
        try project.revision("c1", down: "a1", table: "contract_items", labels: "(\"contract\",)", dependsOn: "\"expand\"")

        let first = try project.up()
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("alembic_version does not exist: a new database (heads are c1, e1)"), "\(first.stderr)")
        #expect(try project.versions() == ["c1"])

        let second = try project.up(["--report", "report.json"])
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains(
            "[alembic] at head c1, e1 (migrations/versions/c1_create_contract_items.py, "
                + "migrations/versions/e1_create_expand_items.py): nothing for Alembic to do"), "\(second.stderr)")
        #expect(project.calls == 1, "Python did not start")
        #expect(project.directory.read("report.json").contains("\"revision\":\"c1, e1\""))

        let check = try project.command(["check", "--log-format", "text"])
        #expect(check.stderr.contains("[alembic] the folder's head is c1, e1 (migrations/versions/c1_create_contract_items.py"), "\(check.stderr)")

        try project.revision("e2", down: "e1", table: "more_items")
        let behind = try project.up()
        #expect(behind.exitCode == 0, "\(behind.stderr)")
        #expect(behind.stderr.contains("the database is at c1, the heads are c1, e2"), "\(behind.stderr)")
        #expect(project.calls == 2)
        #expect(try project.versions() == ["c1", "e2"])
        #expect(try project.up().exitCode == 0)
        #expect(project.calls == 2, "at both heads again: skipped")
    }

    @Test(arguments: Database.allCases)
    func fourReplicasRunAlembicExactlyOnce(_ database: Database) throws {
        let project = try project(database)
        let replicas = try (0..<4).map { _ in try project.start() }
        let codes = replicas.map { $0.wait() }
        #expect(codes == [0, 0, 0, 0], "\(replicas.map(\.stderr).joined())")
        #expect(project.calls == 1, "\(replicas.map(\.stderr).joined())")
        #expect(try project.versions() == ["b2"])
    }

    @Test func fastPathFalseAlwaysRunsAlembic() throws {
        let project = try project(
            .sqlite,
            steps: """
                [steps.alembic]
                kind = "alembic"
                after = ["wait-for-db"]
                run = ["./run-alembic.sh", "upgrade", "head"]
                fast-path = false
                """)
        #expect(try project.up().exitCode == 0)
        let second = try project.up()
        #expect(second.exitCode == 0)
        #expect(second.stderr.contains("running ./run-alembic.sh upgrade head: fast-path = false"))
        #expect(project.calls == 2)
    }

    /// An alembic step and a migrations step in one run share the run's one lock: neither waits for the other's
    /// session (which would last until the lock timeout).
    @Test func alembicAndMigrationsInOneRunShareTheLock() throws {
        let project = try project(
            .postgres,
            steps: """
                [steps.alembic]
                kind = "alembic"
                after = ["wait-for-db"]
                run = ["./run-alembic.sh", "upgrade", "head"]

                [steps.data]
                kind = "migrations"
                dir = "data"
                after = ["wait-for-db"]
                """)
        mkdir(project.directory.path + "/data", 0o755)
        try project.directory.write("data/1-note.sql", "CREATE TABLE note (id int);\n")
        let (first, took) = try measure { try project.up() }
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(took < .seconds(30))
        let second = try project.up()
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("at head b2"))
        #expect(project.calls == 1)
    }
}

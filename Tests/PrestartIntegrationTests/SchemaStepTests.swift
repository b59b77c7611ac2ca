import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// The schema step and the FastAPI template example, through the built binary, on a real PostgreSQL and
/// real SQLite files. The template's DDL is `examples/fastapi-template/schema.sql`, the fixture's statements.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct SchemaStepTests {
    static let example = Path.resolve("examples/fastapi-template", against: FileSystem.currentDirectory)

    func project(url: String, drift: String = "warn", schema: String? = nil) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let ddl = try schema ?? FileSystem.readText(atPath: Self.example + "/schema.sql")
        try directory.write("schema.sql", ddl)
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(url)"

            [steps.create-all]
            kind = "schema"
            file = "schema.sql"
            drift = "\(drift)"
            """)
        return directory
    }

    func shadows(_ connection: any DatabaseConnection) throws -> String? {
        try connection.value("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'prestart_shadow%'")
    }

    @Test func createsTheTablesIndexAndForeignKeyOnceAndKeepsRows() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url)
        let first = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("created user, item"))
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try connection.value("SELECT count(*) FROM pg_tables WHERE tablename IN ('user', 'item')") == "2")
        #expect(try connection.value("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_user_email'")
            == "CREATE UNIQUE INDEX ix_user_email ON public.\"user\" USING btree (email)")
        #expect(try connection.value("SELECT confdeltype FROM pg_constraint WHERE contype = 'f' AND conrelid = 'item'::regclass") == "c")
        try connection.execute(
            "INSERT INTO \"user\" (email, is_active, is_superuser, id, hashed_password) VALUES ('a@b.c', true, false, gen_random_uuid(), 'x')")
        let second = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(second.exitCode == 0)
        #expect(!second.stderr.contains("created"))
        #expect(!second.stderr.contains("drift"))
        #expect(try connection.value("SELECT count(*) FROM \"user\"") == "1")
        #expect(try shadows(connection) == "0")
    }

    @Test func aDroppedTableIsCreatedAgainAlone() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(url: database.url)
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute(
            "INSERT INTO \"user\" (email, is_active, is_superuser, id, hashed_password) VALUES ('a@b.c', true, false, gen_random_uuid(), 'x')")
        try connection.execute("DROP TABLE item")
        let run = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 0)
        #expect(run.stderr.contains("created item"))
        #expect(try connection.value("SELECT to_regclass('item') IS NOT NULL") == "t")
        #expect(try connection.value("SELECT count(*) FROM \"user\"") == "1")
    }

    @Test func aDroppedColumnAndAChangedTypeAreDrift() throws {
        let database = try TestDatabase.createDatabase()
        let warn = try project(url: database.url, drift: "warn")
        #expect(try PrestartProcess.run(["up"], in: warn).exitCode == 0)
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("ALTER TABLE item DROP COLUMN description")
        try connection.execute("ALTER TABLE \"user\" ALTER COLUMN full_name TYPE text")
        let warned = try PrestartProcess.run(["up", "--log-format", "text", "--report", "report.json"], in: warn)
        #expect(warned.exitCode == 0)
        #expect(warned.stderr.contains("drift: item.description: missing column (character varying(255))"))
        #expect(warned.stderr.contains("drift: user.full_name: type is text, the models say character varying(255)"))
        #expect(warn.read("report.json").contains(
            "\"drift\":[\"item.description: missing column (character varying(255))\",\"user.full_name: type is text, the models say character varying(255)\"]"))
        let fail = try project(url: database.url, drift: "fail")
        let failed = try PrestartProcess.run(["up", "--log-format", "text"], in: fail)
        #expect(failed.exitCode == 1)
        #expect(failed.stderr.contains("the database differs from schema.sql in 2 place(s)"))
        let ignore = try project(url: database.url, drift: "ignore")
        let ignored = try PrestartProcess.run(["up", "--log-format", "text"], in: ignore)
        #expect(ignored.exitCode == 0)
        #expect(!ignored.stderr.contains("drift"))
        #expect(try shadows(connection) == "0")
    }

    @Test func anErrorInTheFileNamesItsLineAndLeavesNoShadow() throws {
        let database = try TestDatabase.createDatabase()
        let directory = try project(
            url: database.url, schema: "CREATE TABLE fine (id int);\n\nCREATE TABLE broken (id nosuchtype);\n")
        let run = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("schema.sql:3: ERROR 42704: type \"nosuchtype\" does not exist"))
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        #expect(try shadows(connection) == "0")
        #expect(try connection.value("SELECT to_regclass('fine') IS NULL") == "t")
    }

    @Test func theSameOnSQLite() throws {
        let schema = """
            CREATE TABLE user (
                email VARCHAR(255) NOT NULL,
                id CHAR(32) NOT NULL,
                PRIMARY KEY (id)
            );
            CREATE UNIQUE INDEX ix_user_email ON user (email);
            CREATE TABLE item (
                title VARCHAR(255) NOT NULL,
                description VARCHAR(255),
                id CHAR(32) NOT NULL,
                owner_id CHAR(32) NOT NULL,
                PRIMARY KEY (id),
                FOREIGN KEY(owner_id) REFERENCES user (id) ON DELETE CASCADE
            );
            """
        let directory = try project(url: "sqlite:///app.db", drift: "fail", schema: schema)
        let first = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(first.exitCode == 0, "\(first.stderr)")
        #expect(first.stderr.contains("created user, item"))
        let connection = try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(5))
        defer { connection.close() }
        try connection.execute("INSERT INTO user (email, id) VALUES ('a@b.c', '1')")
        try connection.execute("DROP TABLE item")
        let second = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(second.exitCode == 0)
        #expect(second.stderr.contains("created item"))
        #expect(try connection.value("SELECT count(*) FROM user") == "1")
        try connection.execute("ALTER TABLE item DROP COLUMN description")
        let drifted = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(drifted.exitCode == 1)
        #expect(drifted.stderr.contains("item.description: missing column (VARCHAR(255))"))
    }

    @Test func theTemplatesSuperuserIsCreatedOnceAndItsHashVerifies() throws {
        let database = try TestDatabase.createDatabase()
        let url = "postgresql+psycopg://prestart_test:prestart-test-pw@127.0.0.1:\(database.port)/\(database.name)"
        let directory = try TemporaryDirectory()
        Shell.run("cp -r '\(Self.example)/.' '\(directory.path)/'")
        let environment = [
            "DATABASE_URL": url, "FIRST_SUPERUSER": "admin@example.com", "FIRST_SUPERUSER_PASSWORD": "s3cret-Pass!",
        ]
        for _ in 0..<2 {
            let run = try PrestartProcess.run(["up", "--", "true"], in: directory, environment: environment)
            #expect(run.exitCode == 0, "\(run.stderr)")
            #expect(!run.stderr.contains("s3cret-Pass!"))
        }
        let replicas = try (0..<4).map { _ in
            try PrestartProcess(["up", "--", "true"], in: directory, environment: environment)
        }
        #expect(replicas.map { $0.wait() } == [0, 0, 0, 0])
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        let rows = try connection.query(
            """
            SELECT email, is_active, is_superuser, crypt('s3cret-Pass!', hashed_password) = hashed_password,
                   created_at IS NOT NULL, left(hashed_password, 4)
            FROM "user"
            """)
        #expect(rows == [["admin@example.com", "t", "t", "t", "t", "$2a$"]])
    }
}

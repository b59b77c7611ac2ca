import Glibc
import PrestartCore
import PrestartTestSupport
import Synchronization
import Testing
import PrestartDatabase
import PrestartSystem

/// `drift = "apply"` through the built binary, on a real PostgreSQL and real SQLite files: the models gain columns,
/// indexes, constraints and tables, and the database follows at start, each change once, with the ledger saying so;
/// what cannot be applied safely is left alone and written as a migration by `schema-diff`.
@Suite(
    .serialized, .timeLimit(.minutes(6)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct SchemaApplyTests {
    typealias Database = AlembicStepTests.Database

    static let v1 = """
        CREATE TABLE "user" (id integer PRIMARY KEY, email varchar(255) NOT NULL, nick text, age integer);
        CREATE UNIQUE INDEX ix_user_email ON "user" (email);
        """

    /// v1 and: a nullable column, a column with DEFAULT 0, an index, a unique index, a foreign key (on a new
    /// column, to a new table) and the new table.
    static let v2 = """
        CREATE TABLE team (id integer PRIMARY KEY, name text);
        CREATE TABLE "user" (id integer PRIMARY KEY, email varchar(255) NOT NULL, nick text, age integer,
            phone varchar(32), score integer NOT NULL DEFAULT 0, team_id integer REFERENCES team (id));
        CREATE UNIQUE INDEX ix_user_email ON "user" (email);
        CREATE INDEX ix_user_phone ON "user" (phone);
        CREATE UNIQUE INDEX ix_user_nick ON "user" (nick);
        """

    static let v3 = v2.replacing("team_id integer REFERENCES team (id))", with: "team_id integer REFERENCES team (id), bio text)")
        + "\nCREATE INDEX ix_user_score ON \"user\" (score);"
        + "\nCREATE TABLE tag (id integer PRIMARY KEY, user_id integer REFERENCES \"user\" (id));"

    /// v2 with a column's type changed and a column made NOT NULL: neither is applied at start.
    static let v4 = v2.replacing("age integer,", with: "age bigint,").replacing("nick text,", with: "nick text NOT NULL,")

    struct Project {
        let directory: TemporaryDirectory
        let database: Database
        /// The PostgreSQL database's name.
        let name: String

        init(_ database: Database, drift: String = "apply", extra: String = "") throws {
            self.database = database
            directory = try TemporaryDirectory()
            let url: String
            switch database {
            case .postgres:
                let created = try TestDatabase.createDatabase()
                (url, name) = (created.url, created.name)
            case .sqlite:
                (url, name) = ("sqlite://./app.db", "")
            }
            try directory.write(
                "prestart.toml",
                """
                [database]
                url = "\(url)"

                [steps.create-all]
                kind = "schema"
                file = "schema.sql"
                drift = "\(drift)"
                \(extra)
                """)
        }

        func up(_ schema: String, _ arguments: [String] = []) throws -> PrestartProcess {
            try directory.write("schema.sql", schema)
            return try PrestartProcess.run(["up", "--log-format", "text"] + arguments, in: directory)
        }

        func connect() throws -> any DatabaseConnection {
            switch database {
            case .postgres: try TestDatabase.connect(to: name)
            case .sqlite: try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(5))
            }
        }

        /// The ledger's rows of the schema step, by name.
        func ledger(_ connection: any DatabaseConnection) throws -> [String] {
            try connection.query("SELECT name FROM prestart_ledger WHERE step = 'create-all' AND status = 'applied' ORDER BY name")
                .map { $0[0] ?? "" }
        }

        func columns(_ connection: any DatabaseConnection, of table: String) throws -> [String] {
            let sql =
                database == .postgres
                ? "SELECT attname FROM pg_attribute WHERE attrelid = '\"\(table)\"'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
                : "SELECT name FROM pragma_table_info('\(table)') ORDER BY cid"
            return try connection.query(sql).map { $0[0] ?? "" }
        }
    }

    @Test(arguments: Database.allCases)
    func theModelsGainColumnsIndexesAConstraintAndATableAndOneUpAppliesThemAll(_ database: Database) throws {
        let project = try Project(database)
        #expect(try project.up(Self.v1).exitCode == 0)
        let connection = try project.connect()
        defer { connection.close() }
        try connection.execute("INSERT INTO \"user\" (id, email, nick, age) VALUES (1, 'a@example.com', 'a', 30)")

        let run = try project.up(Self.v2, ["--report", "report.json"])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("drift"), "\(run.stderr)")
        #expect(
            project.directory.read("report.json").contains(
                "\"applied\":[\"table team\",\"column user.phone\",\"column user.score\",\"column user.team_id\",\"index ix_user_nick\",\"index ix_user_phone\""),
            "\(project.directory.read("report.json"))")
        #expect(try project.columns(connection, of: "user") == ["id", "email", "nick", "age", "phone", "score", "team_id"])
        #expect(try connection.value("SELECT score FROM \"user\" WHERE id = 1") == "0")
        var expected = [
            "create-all/column user.phone", "create-all/column user.score", "create-all/column user.team_id",
            "create-all/index ix_user_nick", "create-all/index ix_user_phone", "create-all/table team",
            "create-all/table user",
        ]
        switch database {
        case .postgres:
            expected.append("create-all/constraint user.user_team_id_fkey")
            #expect(
                try connection.value(
                    "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid::regclass::text IN ('ix_user_nick', 'ix_user_phone')")
                    == "2")
            #expect(try connection.value("SELECT indisunique FROM pg_index WHERE indexrelid = 'ix_user_nick'::regclass") == "t")
            #expect(
                try connection.value("SELECT convalidated FROM pg_constraint WHERE conname = 'user_team_id_fkey'") == "t")
        case .sqlite:
            #expect(
                try connection.value("SELECT count(*) FROM sqlite_master WHERE name IN ('ix_user_nick', 'ix_user_phone')") == "2")
            #expect(try connection.value("SELECT \"table\" FROM pragma_foreign_key_list('user')") == "team")
        }
        #expect(try project.ledger(connection) == expected.sorted())
        // The foreign key holds: a row that points nowhere is refused.
        if database == .sqlite { try connection.execute("PRAGMA foreign_keys = ON") }
        #expect(throws: DatabaseError.self) {
            try connection.execute("UPDATE \"user\" SET team_id = 42 WHERE id = 1")
        }

        let again = try project.up(Self.v2)
        #expect(again.exitCode == 0)
        #expect(!again.stderr.contains("applied"), "\(again.stderr)")
        #expect(!again.stderr.contains("drift"), "\(again.stderr)")
        #expect(try project.ledger(connection) == expected.sorted())
    }

    @Test(arguments: Database.allCases)
    func eightReplicasApplyEachChangeOnce(_ database: Database) throws {
        let project = try Project(database)
        #expect(try project.up(Self.v2).exitCode == 0)
        try project.directory.write("schema.sql", Self.v3)
        let replicas = try (0..<8).map { _ in
            try PrestartProcess(["up", "--log-format", "text"], in: project.directory)
        }
        let codes = replicas.map { $0.wait() }
        #expect(codes == Array(repeating: 0, count: 8), "\(replicas.map(\.stderr).joined().prefix(3000))")
        let logs = replicas.map(\.stderr).joined()
        func count(_ text: String) -> Int { logs.split(separator: "\n").filter { $0.contains(text) }.count }
        for change in ["applied column user.bio ", "applied index ix_user_score ", "created tag"] {
            #expect(count(change) == 1, "\(change): \(logs.prefix(3000))")
        }
        let connection = try project.connect()
        defer { connection.close() }
        let rows = try project.ledger(connection)
        #expect(rows.contains("create-all/column user.bio"))
        #expect(rows.contains("create-all/index ix_user_score"))
        #expect(rows.contains("create-all/table tag"))
        #expect(try project.columns(connection, of: "user").last == "bio")
    }

    @Test(arguments: Database.allCases)
    func aTypeChangeAndANewNotNullAreLeftAloneAndTheirMigrationMakesTheDriftGoAway(_ database: Database) throws {
        let project = try Project(
            database,
            extra: """
                [steps.migrations]
                kind = "migrations"
                dir = "migrations"
                after = ["create-all"]
                """)
        mkdir(project.directory.path + "/migrations", 0o755)
        #expect(try project.up(Self.v2).exitCode == 0)
        let connection = try project.connect()
        defer { connection.close() }
        try connection.execute("INSERT INTO \"user\" (id, email, nick, age) VALUES (1, 'a@example.com', 'a', 30)")
        let schemaBefore = try catalogText(connection, database)

        let run = try project.up(Self.v4)
        #expect(run.exitCode == 0)
        let drift = run.stderr.split(separator: "\n").filter { $0.contains("drift:") }
        #expect(drift.count == 2, "\(run.stderr)")
        #expect(drift.contains { $0.contains("user.age: type is") }, "\(drift)")
        #expect(drift.contains { $0.contains("user.nick: nullable, the models say NOT NULL") }, "\(drift)")
        #expect(try catalogText(connection, database) == schemaBefore, "nothing altered")

        let diff = try PrestartProcess.run(["schema-diff", "create-all"], in: project.directory)
        #expect(diff.exitCode == 0, "\(diff.stderr)")
        #expect(diff.stdout.hasPrefix("-- prestart:no-transaction\n"))
        if database == .postgres {
            #expect(diff.stdout.contains("ALTER TABLE \"user\" ALTER COLUMN \"age\" TYPE bigint USING \"age\"::bigint;"))
            #expect(diff.stdout.contains("ALTER TABLE \"user\" VALIDATE CONSTRAINT \"user_nick_not_null\";"))
        }
        try project.directory.write("migrations/0001_models_v4.sql", diff.stdout)

        let migrated = try project.up(Self.v4)
        #expect(migrated.exitCode == 0, "\(migrated.stderr)")
        #expect(migrated.stderr.contains("applied migrations/0001_models_v4.sql"))
        let after = try project.up(Self.v4)
        #expect(after.exitCode == 0)
        #expect(!after.stderr.contains("drift"), "\(after.stderr)")
        #expect(try connection.value("SELECT age FROM \"user\" WHERE id = 1") == "30", "the rows survive the migration")
        let none = try PrestartProcess.run(["schema-diff", "create-all"], in: project.directory)
        #expect(none.exitCode == 0)
        #expect(none.stdout.isEmpty)
    }

    func catalogText(_ connection: any DatabaseConnection, _ database: Database) throws -> String {
        let sql =
            database == .postgres
            ? """
            SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull, ', ' ORDER BY attnum)
              FROM pg_attribute WHERE attrelid = '"user"'::regclass AND attnum > 0 AND NOT attisdropped
            """
            : "SELECT sql FROM sqlite_master WHERE name = 'user'"
        return try connection.value(sql) ?? ""
    }

    @Test func withUnsafeFailTheStepFailsOnWhatItWillNotApplyAndAppliesTheRest() throws {
        let project = try Project(.postgres, extra: "unsafe = \"fail\"")
        #expect(try project.up(Self.v1).exitCode == 0)
        let v2 = Self.v1.replacing("age integer)", with: "age bigint, phone text)")
        let run = try project.up(v2)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("(unsafe = \"fail\"): user.age: type is integer, the models say bigint"), "\(run.stderr)")
        let connection = try project.connect()
        defer { connection.close() }
        #expect(try project.columns(connection, of: "user").last == "phone", "the safe change is applied first")
    }

    @Test func unsafeWithoutApplyIsAConfigError() throws {
        let project = try Project(.sqlite, drift: "warn", extra: "unsafe = \"fail\"")
        let run = try project.up(Self.v1)
        #expect(run.exitCode == 78)
        #expect(run.stderr.contains("prestart.toml:8: steps.create-all.unsafe:"), "\(run.stderr)")
    }

    @Test func planListsEachChangeWithItsLockAndWhatItLeaves() throws {
        let project = try Project(.postgres)
        #expect(try project.up(Self.v1).exitCode == 0)
        try project.directory.write("schema.sql", Self.v2.replacing("age integer,", with: "age bigint,"))
        let plan = try PrestartProcess.run(["plan"], in: project.directory)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let lines = plan.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("create-all ") && $0.contains("creates team; applies 6 change(s); 1 left for a migration") })
        #expect(
            lines.contains {
                $0.hasPrefix("create-all/index ix_user_phone ")
                    && $0.contains("CREATE INDEX CONCURRENTLY \"ix_user_phone\" ON \"user\" USING btree (phone) — SHARE UPDATE EXCLUSIVE")
            }, "\(plan.stdout)")
        #expect(lines.contains { $0.hasPrefix("create-all/column user.phone ") && $0.contains("ACCESS EXCLUSIVE, briefly") })
        #expect(lines.contains { $0.hasPrefix("create-all/column user.age ") && $0.contains("not applied: user.age: type is integer") })
        let connection = try project.connect()
        defer { connection.close() }
        #expect(try project.columns(connection, of: "user") == ["id", "email", "nick", "age"], "plan changed nothing")
        #expect(try connection.value("SELECT to_regclass('team') IS NULL") == "t")
    }

    /// A unique index the data does not allow fails the step with the server's words, and leaves no INVALID index; once
    /// the data allows it, and after an interrupted build left one INVALID, the next start builds it.
    @Test func aUniqueIndexTheDataRefusesFailsCleanlyAndAnInvalidOneIsBuiltAgain() throws {
        let project = try Project(.postgres)
        #expect(try project.up(Self.v1).exitCode == 0)
        let connection = try project.connect()
        defer { connection.close() }
        try connection.execute("INSERT INTO \"user\" (id, email, nick) VALUES (1, 'a@example.com', 'same'), (2, 'b@example.com', 'same')")
        let v2 = Self.v1 + "\nCREATE UNIQUE INDEX ix_user_nick ON \"user\" (nick);"
        let refused = try project.up(v2)
        #expect(refused.exitCode == 1)
        #expect(refused.stderr.contains("create-all/index ix_user_nick:"), "\(refused.stderr)")
        #expect(refused.stderr.contains("23505"), "\(refused.stderr)")
        #expect(try connection.value("SELECT count(*) FROM pg_class WHERE relname = 'ix_user_nick'") == "0")
        #expect(try connection.value("SELECT status FROM prestart_ledger WHERE name = 'create-all/index ix_user_nick'") == "failed")

        // What an interrupted CREATE INDEX CONCURRENTLY leaves: an INVALID index of the name.
        #expect(throws: DatabaseError.self) {
            try connection.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_user_nick ON \"user\" (nick)")
        }
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_user_nick'::regclass") == "f")
        try connection.execute("UPDATE \"user\" SET nick = 'other' WHERE id = 2")
        let rebuilt = try project.up(v2)
        #expect(rebuilt.exitCode == 0, "\(rebuilt.stderr)")
        #expect(rebuilt.stderr.contains("DROP INDEX CONCURRENTLY IF EXISTS \"ix_user_nick\""), "\(rebuilt.stderr)")
        #expect(try connection.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_user_nick'::regclass") == "t")
        #expect(try connection.value("SELECT status FROM prestart_ledger WHERE name = 'create-all/index ix_user_nick'") == "applied")
    }

    /// The index is built concurrently: a writer inserting every 10 ms into the table being indexed (a million rows;
    /// the index takes about a second to build, twice the lock timeout) is never held up for as long as the lock
    /// timeout, and the index is valid.
    @Test func aMillionRowTableGainsAnIndexWhileAWriterKeepsWriting() async throws {
        let lockTimeout = 0.5
        let project = try Project(.postgres)
        let config = project.directory.path + "/prestart.toml"
        try project.directory.write(
            "prestart.toml",
            try FileSystem.readText(atPath: config).replacing(
                "[steps.create-all]", with: "[database.settings]\nlock_timeout = \"500ms\"\n\n[steps.create-all]"))
        let v1 = """
            CREATE TABLE reading (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, sensor integer NOT NULL,
                value double precision);
            """
        #expect(try project.up(v1).exitCode == 0)
        let setup = try project.connect()
        defer { setup.close() }
        try setup.execute("INSERT INTO reading (sensor, value) SELECT g % 1000, random() FROM generate_series(1, 1000000) g")
        try project.directory.write("schema.sql", v1 + "\nCREATE INDEX ix_reading_digest ON reading (md5(value::text));")

        let stop = Atomic<Bool>(false)
        let name = project.name
        let writer = Task.detached {
            await BlockingThread.run { () -> Result<(count: Int, longest: Duration), any Error> in
                do {
                    let connection = try TestDatabase.connect(to: name)
                    defer { connection.close() }
                    var count = 0
                    var longest = Duration.zero
                    let clock = ContinuousClock()
                    while !stop.load(ordering: .relaxed) {
                        let start = clock.now
                        try connection.execute("INSERT INTO reading (sensor, value) VALUES (1, 1)")
                        longest = max(longest, start.duration(to: clock.now))
                        count += 1
                        usleep(10_000)
                    }
                    return .success((count, longest))
                } catch {
                    return .failure(error)
                }
            }
        }
        usleep(100_000)
        let run = try PrestartProcess.run(["up", "--log-format", "text"], in: project.directory)
        usleep(100_000)
        stop.store(true, ordering: .relaxed)
        let (code, log) = (run.exitCode, run.stderr)
        let writes = try await writer.value.get()
        #expect(code == 0, "\(log)")
        #expect(log.contains("applied index ix_reading_digest"), "\(log)")
        #expect(writes.count > 20, "the writer kept writing while the index was built")
        #expect(writes.longest < .milliseconds(Int(lockTimeout * 1000)), "an insert waited \(writes.longest)")
        #expect(
            try setup.value("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_reading_digest'::regclass") == "t")
    }

    /// Columns whose addition would rewrite the table or lose part of their declaration, on PostgreSQL: a serial
    /// column (its sequence is made by the same CREATE TABLE) and a domain with a CHECK are drift, and their migration
    /// works; a collation and a deferrable UNIQUE are applied as declared; an uppercase schema name is found.
    @Test func whatAColumnDeclaresIsKeptOrTheColumnIsLeftToAMigrationOnPostgreSQL() throws {
        let project = try Project(
            .postgres,
            extra: """
                [steps.migrations]
                kind = "migrations"
                dir = "migrations"
                after = ["create-all"]
                """)
        mkdir(project.directory.path + "/migrations", 0o755)
        let setup = try project.connect()
        defer { setup.close() }
        try setup.execute("CREATE SCHEMA \"App\"")
        try setup.execute("ALTER DATABASE \(project.name) SET search_path = \"App\"")
        let v1 = """
            CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
            CREATE TABLE "Item" (id integer PRIMARY KEY, title text);
            """
        #expect(try project.up(v1).exitCode == 0)
        let connection = try project.connect()
        defer { connection.close() }
        try connection.execute("INSERT INTO \"Item\" (id, title) VALUES (1, 'one')")
        let node = try connection.value("SELECT pg_relation_filenode('\"Item\"')")
        let v2 = v1.replacing(
            "title text);",
            with: """
                title text, n serial, lvl posint, "Code" varchar(8) COLLATE "C",
                    tag text CONSTRAINT item_tag_key UNIQUE DEFERRABLE INITIALLY DEFERRED);
                """)
        let run = try project.up(v2)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.contains("drift: Item.n: missing column"), "\(run.stderr)")
        #expect(run.stderr.contains("drift: Item.lvl: missing column"), "\(run.stderr)")
        #expect(try connection.value("SELECT pg_relation_filenode('\"Item\"')") == node, "the table was not rewritten")
        #expect(
            try connection.value(
                "SELECT collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE attrelid = '\"Item\"'::regclass AND attname = 'Code'")
                == "C")
        #expect(
            try connection.value("SELECT condeferrable AND condeferred FROM pg_constraint WHERE conname = 'item_tag_key'") == "t")
        #expect(try project.columns(connection, of: "Item") == ["id", "title", "Code", "tag"])

        let diff = try PrestartProcess.run(["schema-diff", "create-all"], in: project.directory)
        #expect(diff.stdout.contains("CREATE SEQUENCE IF NOT EXISTS"), "\(diff.stdout)")
        try project.directory.write("migrations/0001_columns.sql", diff.stdout)
        let migrated = try project.up(v2)
        #expect(migrated.exitCode == 0, "\(migrated.stderr)")
        let after = try project.up(v2)
        #expect(after.exitCode == 0)
        #expect(!after.stderr.contains("drift"), "\(after.stderr)")
    }

    /// A failed concurrent build drops only the INVALID index it left: an index of the same name on another table
    /// (the build fails with 42P07) is not prestart's to drop.
    @Test func aFailedIndexBuildNeverDropsAnotherTablesIndex() throws {
        let project = try Project(.postgres)
        let v1 = "CREATE TABLE a (x integer);\nCREATE INDEX ix_x ON a (x);\nCREATE TABLE b (x integer);"
        #expect(try project.up(v1).exitCode == 0)
        let connection = try project.connect()
        defer { connection.close() }
        let v2 = "CREATE TABLE a (x integer);\nCREATE TABLE b (x integer);\nCREATE INDEX ix_x ON b (x);"
        let run = try project.up(v2)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("42P07"), "\(run.stderr)")
        #expect(try connection.value("SELECT indrelid::regclass::text FROM pg_index WHERE indexrelid = 'ix_x'::regclass") == "a")
    }

    /// On SQLite a column is added as the file writes it (its COLLATE and CHECK kept); a UNIQUE column and a default
    /// that is an expression are drift, not a failure.
    @Test func onSQLiteAColumnIsAddedAsWrittenOrLeftToAMigration() throws {
        let project = try Project(.sqlite)
        #expect(try project.up(Self.v1).exitCode == 0)
        let connection = try project.connect()
        defer { connection.close() }
        try connection.execute("INSERT INTO \"user\" (id, email, nick, age) VALUES (1, 'a@example.com', 'a', 30)")
        let v2 = Self.v1.replacing(
            "age integer);",
            with: """
                age integer, name text COLLATE NOCASE, score int CHECK (score > 0), tag text UNIQUE,
                    created_at text DEFAULT (datetime('now')));
                """)
        let run = try project.up(v2)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.contains("drift: user.created_at: missing column"), "\(run.stderr)")
        #expect(run.stderr.contains("drift: user.tag: missing column"), "\(run.stderr)")
        #expect(try project.columns(connection, of: "user") == ["id", "email", "nick", "age", "name", "score"])
        try connection.execute("UPDATE \"user\" SET name = 'Ann' WHERE id = 1")
        #expect(try connection.value("SELECT count(*) FROM \"user\" WHERE name = 'ann'") == "1", "COLLATE NOCASE kept")
        #expect(throws: DatabaseError.self, "CHECK kept") {
            try connection.execute("UPDATE \"user\" SET score = -5 WHERE id = 1")
        }
    }

    /// The template's users, as its README tells them: a field added to the `User` model, `schema.sql` exported again
    /// from the models with `scripts/export-schema.py`, `up` with the example's config on the database the old file
    /// made; then the app's own ORM writes a user with the new field and reads it back.
    @Test func theTemplatesUserModelGainsAFieldAndTheAppWritesIt() throws {
        let python = Path.directory(of: try AlembicStepTests.alembic()) + "/python"
        let example = FileSystem.currentDirectory + "/examples/fastapi-template"
        let database = try TestDatabase.createDatabase()
        let project = try TemporaryDirectory()
        try project.write("prestart.toml", try FileSystem.readText(atPath: example + "/prestart.toml"))
        try project.write("schema.sql", try FileSystem.readText(atPath: example + "/schema.sql"))
        mkdir(project.path + "/seed", 0o755)
        try project.write("seed/superuser.sql", try FileSystem.readText(atPath: example + "/seed/superuser.sql"))
        let environment = FirstRolloutTests.superuserEnvironment(TestDatabase.passwordURL(database))
        let old = try PrestartProcess.run(["up", "--no-app"], in: project, environment: environment)
        #expect(old.exitCode == 0, "\(old.stderr)")

        mkdir(project.path + "/app", 0o755)
        try project.write("app/__init__.py", "")
        try project.write("app/models.py", Self.templateModels)
        let exported = Shell.run(
            "cd '\(project.path)' && '\(python)' '\(FileSystem.currentDirectory)/scripts/export-schema.py' "
                + "app.models:SQLModel.metadata --dialect postgresql -o schema.sql 2> export.err")
        #expect(exported == 0, "\(project.read("export.err"))")
        #expect(project.read("schema.sql").contains("phone VARCHAR(32)"), "\(project.read("schema.sql"))")

        let new = try PrestartProcess.run(["up", "--no-app", "--log-format", "text"], in: project, environment: environment)
        #expect(new.exitCode == 0, "\(new.stderr)")
        #expect(new.stderr.contains("applied column user.phone"), "\(new.stderr)")
        #expect(!new.stderr.contains("drift"), "\(new.stderr)")

        try project.write(
            "app/write_user.py",
            """
            import os, uuid
            from sqlmodel import Session, create_engine, select
            from app.models import User
            engine = create_engine(os.environ["DATABASE_URL"])
            with Session(engine) as session:
                session.add(User(email="new@example.com", hashed_password="x", phone="+1 555 0100"))
                session.commit()
            with Session(engine) as session:
                user = session.exec(select(User).where(User.email == "new@example.com")).one()
                print(user.phone)
            """)
        let url = environment["DATABASE_URL"] ?? ""
        let wrote = Shell.run(
            "cd '\(project.path)' && DATABASE_URL='\(url)' '\(python)' -m app.write_user > write.out 2> write.err")
        #expect(wrote == 0, "\(project.read("write.err"))")
        #expect(project.read("write.out") == "+1 555 0100\n")
    }

    /// The template's `backend/app/models.py` (its `User` and `Item`), with a `phone` field added to `UserBase`.
    static let templateModels = """
        import uuid
        from datetime import datetime, timezone
        from pydantic import EmailStr
        from sqlalchemy import DateTime
        from sqlmodel import Field, Relationship, SQLModel
        def get_datetime_utc() -> datetime:
            return datetime.now(timezone.utc)
        class UserBase(SQLModel):
            email: EmailStr = Field(unique=True, index=True, max_length=255)
            is_active: bool = True
            is_superuser: bool = False
            full_name: str | None = Field(default=None, max_length=255)
            phone: str | None = Field(default=None, max_length=32)
        class User(UserBase, table=True):
            id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
            hashed_password: str
            created_at: datetime | None = Field(default_factory=get_datetime_utc, sa_type=DateTime(timezone=True))
            items: list["Item"] = Relationship(back_populates="owner", cascade_delete=True)
        class ItemBase(SQLModel):
            title: str = Field(min_length=1, max_length=255)
            description: str | None = Field(default=None, max_length=255)
        class Item(ItemBase, table=True):
            id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
            created_at: datetime | None = Field(default_factory=get_datetime_utc, sa_type=DateTime(timezone=True))
            owner_id: uuid.UUID = Field(foreign_key="user.id", nullable=False, ondelete="CASCADE")
            owner: User | None = Relationship(back_populates="items")
        """
}

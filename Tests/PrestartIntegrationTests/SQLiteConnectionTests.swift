import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

@Suite(.timeLimit(.minutes(1)))
struct SQLiteConnectionTests {
    @Test func openingCreatesTheFolderAndTheFile() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path + "/var/lib/app/app.db"
        let connection = try SQLiteConnection.open(path: path, busyTimeout: .seconds(1))
        defer { connection.close() }
        try connection.execute("CREATE TABLE t (x)")
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFREG)
        #expect(connection.dialect == .sqlite)
        #expect(try connection.query("PRAGMA foreign_keys") == [["1"]])
    }

    @Test func aFolderThatCannotBeMadeIsNamed() throws {
        let folder = try TemporaryDirectory()
        let file = folder.path + "/plain-file"
        let descriptor = creat(file, 0o644)
        Glibc.close(descriptor)
        let error = #expect(throws: DatabaseError.self) {
            try SQLiteConnection.open(path: file + "/sub/app.db", busyTimeout: .seconds(1))
        }
        #expect(error?.kind == .connection)
        #expect(error?.message == "could not create the folder \(file)/sub for the SQLite database: Not a directory")
    }

    @Test(
        "Hostile values are bound and stored literally",
        arguments: ["x'); DROP TABLE t; --", "?1", ":name", "'", "a\u{0}b", "", "é😀"]
    )
    func hostileValues(value: String) throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        try connection.execute("CREATE TABLE t (v TEXT, w TEXT)")
        let script = SQLScript("INSERT INTO t (v, w) VALUES (:value, :value || :suffix)", dialect: .sqlite)
        try connection.execute(script, parameters: ["value": value, "suffix": "!"])
        #expect(try connection.query("SELECT v, w FROM t") == [[value, value + "!"]])
        try connection.execute("INSERT INTO t (v) VALUES (?1)", [nil])
        #expect(try connection.query("SELECT count(*) FROM t WHERE v IS NULL") == [["1"]])
    }

    @Test func aUniqueViolationHasItsExtendedCode() throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        try connection.execute("CREATE TABLE u (email TEXT UNIQUE)")
        try connection.execute("INSERT INTO u VALUES (?1)", ["a@example.com"])
        let error = #expect(throws: DatabaseError.self) {
            try connection.execute("INSERT INTO u VALUES (?1)", ["a@example.com"])
        }
        #expect(error?.kind == .statement)
        #expect(error?.sqliteResultCode?.description == "SQLITE_CONSTRAINT_UNIQUE (2067)")
        #expect(error?.sqliteResultCode == 2067)
        #expect(error?.message == "UNIQUE constraint failed: u.email")
        #expect(error?.isTransient == false)
        #expect(error?.description == "SQLITE_CONSTRAINT_UNIQUE (2067): UNIQUE constraint failed: u.email")
    }

    @Test func foreignKeysAreEnforced() throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        try connection.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        try connection.execute("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))")
        let error = #expect(throws: DatabaseError.self) { try connection.execute("INSERT INTO child VALUES (7)") }
        #expect(error?.sqliteResultCode?.description == "SQLITE_CONSTRAINT_FOREIGNKEY (787)")
    }

    @Test func aSyntaxErrorHasAPositionThatMapsToTheFile() throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        let script = SQLScript("CREATE TABLE t (x);\n\nSELECT 'é', :p\n  FROM t\n  WHERE x = = 1;", dialect: .sqlite)
        let error = #expect(throws: DatabaseError.self) { try connection.execute(script, parameters: ["p": "1"]) }
        #expect(error?.sqliteResultCode == .error)
        #expect(error?.message == #"near "=": syntax error"#)
        #expect(error?.line == 5)
        let position = try #require(error?.position)
        #expect(script.statements[1].location(ofPosition: position) == SQLScript.Location(line: 5, column: 13))
    }

    @Test func rollbackLeavesNothing() throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        try connection.execute("CREATE TABLE r (x)")
        try connection.begin()
        try connection.execute("INSERT INTO r VALUES (1)")
        connection.rollback()
        #expect(try connection.query("SELECT count(*) FROM r") == [["0"]])
        connection.rollback()  // nothing open: harmless
        try connection.begin()
        try connection.execute("INSERT INTO r VALUES (2)")
        try connection.commit()
        #expect(try connection.query("SELECT x FROM r") == [["2"]])
    }

    /// Two connections: one holds the write lock with BEGIN IMMEDIATE, the other gives up after its busy timeout.
    @Test func busyIsTransientAndWaitsTheBusyTimeout() throws {
        let folder = try TemporaryDirectory()
        let holder = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        let waiter = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .milliseconds(150))
        defer {
            holder.close()
            waiter.close()
        }
        try holder.execute("CREATE TABLE t (x)")
        try holder.begin()
        let (error, elapsed) = measure {
            #expect(throws: DatabaseError.self) { try waiter.begin() }
        }
        #expect(error?.sqliteResultCode?.primary == .busy)
        #expect(error?.isTransient == true)
        #expect(error?.message == "database is locked")
        #expect(elapsed >= .milliseconds(140))
        #expect(elapsed < .seconds(1))
        holder.rollback()
        try waiter.begin()
        try waiter.commit()
    }

    @Test func triggersFromAScriptRun() throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        let text = """
            CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, log TEXT);
            CREATE TRIGGER bump AFTER INSERT ON t BEGIN
                UPDATE t SET n = n + 1 WHERE id = NEW.id;
                UPDATE t SET log = 'bumped; :not a param' WHERE id = NEW.id;
            END;
            INSERT INTO t (n) VALUES (:start);
            """
        try connection.execute(SQLScript(text, dialect: .sqlite), parameters: ["start": "41"])
        #expect(try connection.query("SELECT n, log FROM t") == [["42", "bumped; :not a param"]])
    }

    @Test func misuseIsAClientError() throws {
        let folder = try TemporaryDirectory()
        let connection = try SQLiteConnection.open(path: folder.path + "/app.db", busyTimeout: .seconds(1))
        let two = #expect(throws: DatabaseError.self) { try connection.execute("SELECT 1; SELECT 2") }
        #expect(two?.kind == .client)
        #expect(try connection.query("SELECT 1; -- trailing comment") == [["1"]])
        #expect(try connection.query("-- only a comment").isEmpty)
        let count = #expect(throws: DatabaseError.self) { try connection.execute("SELECT ?1, ?2", ["a"]) }
        #expect(count?.message == "The statement has 2 placeholder(s) but 1 value(s) were given.")
        connection.close()
        let closed = #expect(throws: DatabaseError.self) { try connection.query("SELECT 1") }
        #expect(closed?.kind == .client)
    }

    @Test func theDatabaseURLOpensTheFileRelativeToTheConfigFolder() throws {
        let folder = try TemporaryDirectory()
        let url = try DatabaseURL.parse("sqlite+aiosqlite:///data/app.db", relativeTo: folder.path)
        let connection = try url.connect(timeout: .seconds(1))
        defer { connection.close() }
        try connection.execute("CREATE TABLE t (x)")
        #expect(access(folder.path + "/data/app.db", F_OK) == 0)
        #expect(url.childProcessURL == "sqlite:///\(folder.path)/data/app.db")
    }
}

import Glibc
@testable import PrestartCore
import PrestartTestSupport
import Testing
@testable import PrestartDatabase
@testable import PrestartSystem

/// Hostile values in parameters and the environment, through the built binary into real databases: each is
/// stored exactly as given or refused with an error that says why. Secrets stay out of every output.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct HostileInputTests {
    /// Quotes, statement ends, dollar quotes, comment starts, placeholders of every dialect, interpolation
    /// syntax (an environment value is never expanded again), control characters, bidirectional and zero-width
    /// characters, and 100 KB (Linux caps one environment string at 128 KB; bigger values come from files).
    static let values: [String] = [
        "'", "''", "\"", ";", "'); DROP TABLE hostile; --", "\\'; DROP TABLE hostile; --", "$$", "$tag$ x $tag$",
        "\\", "E'\\x00'", ":other", ":v1", "?1", "?", "$1", "@x", "${NOT_SET}", "$${x}", "${file:/etc/passwd}", "--",
        "/*", "*/ SELECT 1; /*", "line\nbreak", "tab\there", "cr\rlf", "\u{7}\u{1b}[31m", "😀 é ü 中文 🇸🇪",
        "\u{202E}rtl\u{202C}", "zero\u{200B}width\u{FEFF}", "%s%n%x", "", " ", "NULL", "null",
        String(repeating: "x'\";", count: 25_000),
    ]

    enum Database: String, CaseIterable, Sendable {
        case postgres, sqlite
    }

    func project(_ database: Database, steps: String, files: [String: String] = [:]) throws -> (TemporaryDirectory, url: String) {
        let directory = try TemporaryDirectory()
        let url: String
        switch database {
        case .postgres:
            let created = try TestDatabase.createDatabase()
            url = TestDatabase.passwordURL(created)
        case .sqlite:
            url = "sqlite:///app.db"
        }
        try directory.write("prestart.toml", "[database]\nurl = \"\(url)\"\n\n\(steps)")
        for (name, text) in files { try directory.write(name, text) }
        return (directory, url)
    }

    func connect(_ database: Database, _ directory: TemporaryDirectory, url: String) throws -> any DatabaseConnection {
        switch database {
        case .postgres:
            let name = String(url.split(separator: "/").last!)
            return try TestDatabase.connect(to: name)
        case .sqlite:
            return try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(5))
        }
    }

    @Test(.enabled(if: TestDatabase.shouldRun), arguments: Database.allCases)
    func hostileValuesFromTheEnvironmentAreStoredExactly(database: Database) throws {
        let names = Self.values.indices.map { "p\($0)" }
        let inserts = names.map { "INSERT INTO hostile (k, v) VALUES ('\($0)', :\($0));" }.joined(separator: "\n")
        let params = names.map { "\($0) = \"${V_\($0)}\"" }.joined(separator: ", ")
        let (directory, url) = try project(
            database,
            steps: """
                [steps.seed]
                kind = "sql"
                file = "seed.sql"
                params = { \(params) }
                """,
            files: ["seed.sql": "CREATE TABLE hostile (k text PRIMARY KEY, v text NOT NULL);\n\(inserts)\n"])
        var environment: [String: String] = [:]
        for (name, value) in zip(names, Self.values) { environment["V_\(name)"] = value }
        let run = try Run.finished(["up", "--log-format", "json"], in: directory, environment: environment)
        #expect(run.exitCode == 0, "\(run.stderr.prefix(2000))")
        let connection = try connect(database, directory, url: url)
        defer { connection.close() }
        let stored = Dictionary(
            try connection.query("SELECT k, v FROM hostile").map { ($0[0] ?? "", $0[1]) }, uniquingKeysWith: { $1 })
        #expect(stored.count == Self.values.count)
        for (name, value) in zip(names, Self.values) {
            #expect(stored[name] == value, "\(name): \(value.prefix(40).debugDescription)")
        }
    }

    /// 1 MB from a secrets file and 1 MB written in the config itself.
    @Test(.enabled(if: TestDatabase.shouldRun), arguments: Database.allCases)
    func megabyteValuesAreStoredExactly(database: Database) throws {
        let block = "ab'c\"d;e$$f\n\\g:h é😀"
        let big = String(repeating: block, count: 1_048_576 / block.utf8.count + 1)
        let literal = String(repeating: "0123456789;\"$", count: 1_048_576 / 13 + 1)
        let (directory, url) = try project(
            database,
            steps: """
                [steps.seed]
                kind = "sql"
                sql = "CREATE TABLE big (k text, v text); INSERT INTO big VALUES ('file', :file), ('literal', :literal)"
                params = { file = "${file:big.txt}", literal = '\(literal)' }
                """,
            files: ["big.txt": big + "\n"])
        let run = try Run.finished(["up"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr.prefix(2000))")
        let connection = try connect(database, directory, url: url)
        defer { connection.close() }
        #expect(try connection.value("SELECT v FROM big WHERE k = 'file'") == big)
        #expect(try connection.value("SELECT v FROM big WHERE k = 'literal'") == literal)
    }

    /// PostgreSQL text cannot hold NUL: refused, naming why. SQLite stores it. TOMLKit would cut a string at an
    /// escaped NUL, so `"\u0000"` in the config is a config error.
    @Test(.enabled(if: TestDatabase.shouldRun), arguments: Database.allCases)
    func aNulIsStoredOrRefusedWithAReason(database: Database) throws {
        let (directory, url) = try project(
            database,
            steps: """
                [steps.seed]
                kind = "sql"
                sql = "CREATE TABLE nul (k text, v text); INSERT INTO nul VALUES ('file', :file)"
                params = { file = "${file:nul.bin}" }
                """,
            files: ["nul.bin": "c\u{0}d"])
        let config = directory.read("prestart.toml")
        try directory.write("escaped.toml", config.replacing("\"${file:nul.bin}\"", with: "\"a\\u0000b\""))
        let escaped = try Run.finished(["check", "-c", "escaped.toml", "--log-format", "text"], in: directory)
        #expect(escaped.exitCode == 78)
        #expect(escaped.stderr.contains("escaped.toml:7:"), "\(escaped.stderr)")
        #expect(escaped.stderr.contains("a NUL character"), "\(escaped.stderr)")
        let run = try Run.finished(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        let connection = try connect(database, directory, url: url)
        defer { connection.close() }
        switch database {
        case .postgres:
            #expect(run.exitCode == 1)
            #expect(run.stderr.contains("contains a NUL byte, which PostgreSQL text cannot hold"), "\(run.stderr)")
            #expect(run.report.contains("\"failed_step\":\"seed\""))
            #expect(try connection.value("SELECT to_regclass('nul') IS NULL") == "t")
        case .sqlite:
            #expect(run.exitCode == 0, "\(run.stderr)")
            #expect(try connection.query("SELECT k, v FROM nul") == [["file", "c\u{0}d"]])
        }
    }

    /// Bytes that are not UTF-8 cannot be stored as they are (PostgreSQL text is UTF-8; prestart's strings are
    /// too): they are refused with the variable's or the file's name, never stored with U+FFFD in their place.
    @Test func valuesThatAreNotUTF8AreRefusedWithTheirSource() throws {
        let (directory, url) = try project(
            .sqlite,
            steps: """
                [steps.seed]
                kind = "sql"
                sql = "CREATE TABLE t (v text); INSERT INTO t VALUES (:v)"
                params = { v = "${LATIN1}" }
                """)
        let fromEnvironment = try PrestartProcess.run(
            ["sh", "-c", "LATIN1=$(printf 'caf\\351') exec \"$0\" up --log-format text", PrestartProcess.binary],
            in: directory, direct: false)
        Secrets.expectAbsent(from: fromEnvironment, in: directory)
        #expect(fromEnvironment.exitCode == 78, "\(fromEnvironment.stderr)")
        #expect(
            fromEnvironment.stderr.contains(
                "prestart.toml:7: steps.seed.params.v: environment variable LATIN1 is not valid UTF-8"),
            "\(fromEnvironment.stderr)")
        #expect(!FileSystem.exists(directory.path + "/app.db"), "nothing ran")

        try directory.write("prestart.toml", directory.read("prestart.toml").replacing("${LATIN1}", with: "${file:latin1.txt}"))
        try FileSystem.writeAtomically([0x63, 0x61, 0x66, 0xE9, 0x0A], toPath: directory.path + "/latin1.txt")
        let fromFile = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(fromFile.exitCode == 78)
        #expect(fromFile.stderr.contains("latin1.txt is not UTF-8 text (byte 0xE9 at line 1"), "\(fromFile.stderr)")

        try FileSystem.writeAtomically(Array("SELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8), toPath: directory.path + "/seed.sql")
        try directory.write("prestart.toml", "[database]\nurl = \"\(url)\"\n\n[steps.seed]\nkind = \"sql\"\nfile = \"seed.sql\"\n")
        let sqlFile = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(sqlFile.exitCode == 78)
        #expect(sqlFile.stderr.contains("steps.seed.file: cannot read the SQL file:"), "\(sqlFile.stderr)")
        #expect(sqlFile.stderr.contains("seed.sql is not UTF-8 text (byte 0xE9 at line 1"), "\(sqlFile.stderr)")

        mkdir(directory.path + "/migrations", 0o755)
        try FileSystem.writeAtomically(Array("-- ok\nSELECT 'caf".utf8) + [0xE9] + Array("';\n".utf8), toPath: directory.path + "/migrations/1-x.sql")
        try directory.write("prestart.toml", "[database]\nurl = \"\(url)\"\n\n[steps.migrations]\nkind = \"migrations\"\ndir = \"migrations\"\n")
        let migration = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(migration.exitCode == 78)
        #expect(migration.stderr.contains("steps.migrations.dir: 1-x.sql is not UTF-8 text (byte 0xE9 at line 2, column 12)"), "\(migration.stderr)")

        try FileSystem.writeAtomically(Array("[steps.a]\nkind = \"command\"\nrun = [\"echo\", \"caf".utf8) + [0xE9] + Array("\"]\n".utf8), toPath: directory.path + "/prestart.toml")
        let config = try Run.finished(["check", "--log-format", "text"], in: directory)
        #expect(config.exitCode == 78)
        #expect(config.stderr.contains("prestart.toml:3:20: the file is not UTF-8 text (byte 0xE9 here); save it as UTF-8"), "\(config.stderr)")
    }

    /// Secret values that JSON must escape (quotes, backslash, newline) are masked in JSON logs and the report
    /// too, where they appear escaped; PostgreSQL's messages quote bad input back, which puts them there.
    @Test(.enabled(if: TestDatabase.shouldRun), arguments: ["json", "text"])
    func secretsThatJSONEscapesAreMaskedEverywhere(format: String) throws {
        let (directory, _) = try project(
            .postgres,
            steps: """
                [steps.pin]
                kind = "sql"
                sql = "SELECT :pin::int"
                params = { pin = "${PIN}" }
                secret = ["pin"]
                """)
        let run = try Run.finished(
            ["up", "--log-format", format, "--log-level", "trace", "--report", "report.json"], in: directory,
            environment: ["PIN": Secrets.parameter])
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("invalid input syntax for type integer"), "\(run.stderr)")
        #expect(run.report.contains("invalid input syntax for type integer: \\\"***\\\""), "\(run.report)")
    }

    /// SQLite reads `$x`, `@x` and `?` as parameters too; they would share a slot with prestart's `?1`.
    @Test func sqliteParametersPrestartDoesNotBindAreRefused() throws {
        let (directory, _) = try project(
            .sqlite,
            steps: """
                [steps.seed]
                kind = "sql"
                sql = "CREATE TABLE t (a text, b text); INSERT INTO t VALUES ($x, :v)"
                params = { v = "value" }
                """)
        let run = try Run.finished(["up", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 1)
        #expect(run.stderr.contains("SQLite reads $x in the statement as a parameter, which prestart does not bind"), "\(run.stderr)")
        let connection = try SQLiteConnection.open(path: directory.path + "/app.db", busyTimeout: .seconds(1))
        defer { connection.close() }
        #expect(try connection.value("SELECT count(*) FROM sqlite_master WHERE name = 't'") == "0", "rolled back")
    }
}

import Testing

@testable import PrestartCore
@testable import PrestartSystem

/// Other tools' folders read as each tool reads them (the rules are each tool's own, as
/// `Steps/Migrations/Formats/*Folder.swift` cite them).
@Suite struct ToolFolderTests {
    /// A folder of `files` (name → text), read in `format`.
    static func read(_ format: MigrationFormat, _ files: [String: String]) throws(FormatError) -> ToolFolder {
        let read = { (name: String) throws -> [UInt8] in Array(files[name]!.utf8) }
        switch format {
        case .golangMigrate: return try GolangMigrateFolder.read(Array(files.keys), read: read)
        case .dbmate: return try DbmateFolder.read(Array(files.keys), read: read)
        case .goose: return try GooseFolder.read(Array(files.keys), read: read)
        case .sqlx: return try SqlxFolder.read(Array(files.keys), read: read)
        case .flyway: return try FlywayFolder.read(Array(files.keys), read: read, placeholders: ["schema": "app"])
        default: throw FormatError(file: "", "not supported")
        }
    }

    // MARK: golang-migrate

    @Test(arguments: [
        ("1_init.up.sql", "1", "up", "sql"),
        ("0001_init.down.sql", "0001", "down", "sql"),
        ("20240101_a.b.up.sql", "20240101", "up", "sql"),
        ("1_a.up.sql.bak", "1", "up", "sql.bak"),
        ("1_.up.sql", "1", "up", "sql"),
        ("1_x.up.y.down.sql", "1", "down", "sql"),
    ])
    func golangMigrateNamesParseAsItsRegexDoes(name: String, digits: String, direction: String, ext: String) throws {
        let parsed = try #require(GolangMigrateFolder.parse(name))
        #expect(String(parsed.digits) == digits && parsed.direction == direction && String(parsed.extension) == ext)
    }

    @Test(arguments: ["README.md", "1.up.sql", "init.up.sql", "1_init.sql", "1_init.upsql", "x1_a.up.sql"])
    func golangMigrateIgnoresNamesItsRegexRejects(name: String) {
        #expect(GolangMigrateFolder.parse(name) == nil)
    }

    @Test func golangMigrateOrdersByNumberAndIgnoresLeadingZeros() throws {
        let folder = try Self.read(
            .golangMigrate,
            [
                "0010_c.up.sql": "C", "2_b.up.sql": "B", "0001_a.up.sql": "A", "0001_a.down.sql": "DROP",
                "README.md": "hi",
            ])
        #expect(folder.migrations.map(\.version) == ["1", "2", "10"])
        #expect(folder.migrations.map(\.fileName) == ["0001_a.up.sql", "2_b.up.sql", "0010_c.up.sql"])
        #expect(folder.migrations.map { $0.parts.map(\.mode) } == Array(repeating: [.simpleQuery], count: 3))
        #expect(folder.migrations[0].parts[0].sql == "A")
        #expect(folder.ignored == ["README.md"])
    }

    @Test(arguments: [
        (["0001_a.up.sql": "", "1_b.up.sql": ""], "1_b.up.sql", "same version (1)"),
        (["1_a.up.sql": "", "1_a.up.sql.bak": ""], "1_a.up.sql.bak", "not a .sql file"),
        (["1_a.up.sql": "", "2_b.down.sql": ""], "2_b.down.sql", "has no .up.sql"),
    ])
    func golangMigrateRefusesWhatItWouldTreatAmbiguously(files: [String: String], file: String, message: String) {
        #expect {
            try Self.read(.golangMigrate, files)
        } throws: { error in
            let error = error as! FormatError
            return error.file == file && error.message.contains(message)
        }
    }

    // MARK: dbmate

    @Test(arguments: [
        ("-- migrate:up\nCREATE TABLE a ();\n-- migrate:down\nDROP TABLE a;\n", [ToolMigration.Mode.transaction], [1]),
        ("-- a comment\n\n--migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (x);\n--  migrate:down\n",
         [.noTransaction], [3]),
        ("-- migrate:up\nA;\n-- migrate:down\nB;\n-- migrate:up transaction:false\nC;\n-- migrate:down\nD;\n",
         [.transaction, .noTransaction], [1, 5]),
        ("-- migrate:up\r\nA;\r\n-- migrate:down\r\n", [.transaction], [1]),
        ("-- migrate:up foo:bar transaction:true\nA;\n-- migrate:down\n", [.transaction], [1]),
    ])
    func dbmateRunsEachUpSectionWithItsTransactionMode(text: String, modes: [ToolMigration.Mode], lines: [Int]) throws {
        let parts = try DbmateFolder.sections(of: text)
        #expect(parts.map(\.mode) == modes)
        #expect(parts.map(\.firstLine) == lines)
        #expect(parts.allSatisfy { !$0.sql.contains("migrate:down") && $0.sql.contains("migrate:up") })
    }

    @Test(arguments: [
        ("CREATE TABLE a ();\n-- migrate:up\nA;\n-- migrate:down\n", "statements before"),
        ("-- migrate:down\nB;\n-- migrate:up\nA;\n", "before any"),
        ("-- migrate:up\nA;\n", "no '-- migrate:down'"),
        ("A;\n", "no '-- migrate:up'"),
        ("-- migrate:up\nA;\n-- migrate:up\nB;\n-- migrate:down\n", "a second"),
        ("-- migrate:upgrade\nA;\n-- migrate:down\n", "before any"),
    ])
    func dbmateRefusesFilesItRefuses(text: String, message: String) {
        #expect {
            try DbmateFolder.sections(of: text)
        } throws: { error in
            (error as! FormatError).message.contains(message)
        }
    }

    @Test func dbmateKeepsVersionsAsTextInNameOrderAndRefusesDuplicates() throws {
        let up = "-- migrate:up\nA;\n-- migrate:down\n"
        let folder = try Self.read(.dbmate, ["10_b.sql": up, "9_a.sql": up, "001.sql": up, "notes.txt": "", "x1.sql": ""])
        #expect(folder.migrations.map(\.version) == ["001", "10", "9"])
        #expect(folder.ignored == ["notes.txt", "x1.sql"])
        #expect {
            try Self.read(.dbmate, ["1_a.sql": up, "1_b.sql": up])
        } throws: { error in
            (error as! FormatError).file == "1_b.sql"
        }
    }

    // MARK: goose

    @Test(arguments: [
        // StatementBegin/End around a $$ body: one statement, semicolons and all.
        (
            "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f;\n",
            ["CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  RETURN 1;\nEND;\n$$ LANGUAGE plpgsql;"], true
        ),
        // Lower-case annotations, comments before a statement dropped, split where a line ends in ';'.
        (
            "-- +goose up\n-- a comment\nCREATE TABLE a (id int); -- trailing\nINSERT INTO a\n  VALUES (1);\n-- +goose down\nDROP TABLE a\n",
            ["CREATE TABLE a (id int); -- trailing", "INSERT INTO a\n  VALUES (1);"], true
        ),
        ("-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY i ON a (id);\n", ["CREATE INDEX CONCURRENTLY i ON a (id);"], false),
        ("\n\n-- +goose Up\n", [], true),
        ("-- +goose Up\r\nSELECT 1;\r\n-- +goose DOWN\r\nSELECT 2;\r\n", ["SELECT 1;"], true),
    ])
    func gooseSplitsTheUpPartAsGooseDoes(text: String, statements: [String], transactional: Bool) throws {
        let (parts, inTransaction) = try GooseFolder.statements(of: text)
        #expect(parts.map(\.sql) == statements)
        #expect(inTransaction == transactional)
        #expect(parts.allSatisfy { $0.mode == (transactional ? .transaction : .noTransaction) })
    }

    @Test(arguments: [
        ("CREATE TABLE a ();\n-- +goose Up\n", "statements before"),
        ("-- +goose Up\nSELECT 1\n", "without a ';'"),
        ("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n", "without 'StatementEnd'"),
        ("-- +goose Up\n-- +goose Sideways\n", "unknown goose annotation"),
        ("-- +goose Down\nSELECT 1;\n", "must come after"),
        ("SELECT 1;\n", "statements before"),
        ("-- +goose Up\n-- +goose ENVSUB ON\nSELECT '${A:2}';\n", "ENVSUB"),
    ])
    func gooseRefusesFilesGooseRefuses(text: String, message: String) {
        #expect {
            try GooseFolder.statements(of: text)
        } throws: { error in
            (error as! FormatError).message.contains(message)
        }
    }

    @Test func gooseEnvsubMarksOnlyTheLinesBetweenOnAndOff() throws {
        let text = "-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE ${T} (id int);\n-- +goose ENVSUB OFF\nSELECT '${T}';\n"
        let (parts, _) = try GooseFolder.statements(of: text)
        #expect(parts.map(\.substitutedLines) == [[0], []])
        #expect(parts.map(\.firstLine) == [3, 5])
    }

    @Test(arguments: [
        ("${A}", "x"), ("$A-", "x-"), ("${B:-d}", "d"), ("${B-d}", "d"), ("${E:-d}", "d"), ("${E-d}", ""), ("$$1", "$1"),
        ("$1", "$1"), ("a $", "a $"),
    ])
    func envsubExpandsAsInterpolateDoes(text: String, expanded: String) throws {
        #expect(try Envsub.expand(text, environment: Environment(["A": "x", "E": ""])) == expanded)
    }

    @Test func gooseVersionsAreNumbersAndGoFilesAreExternal() throws {
        let up = "-- +goose Up\nSELECT 1;\n"
        let folder = try Self.read(
            .goose,
            [
                "00002_b.sql": up, "1_a.sql": up, "3_c.go": "package m", "3_c_test.go": "", "0_zero.sql": up,
                "x_y.sql": up, "README.md": "",
            ])
        #expect(folder.migrations.map(\.version) == ["1", "2", "3"])
        #expect(folder.migrations.map(\.isExternal) == [false, false, true])
        #expect(folder.ignored == ["0_zero.sql", "3_c_test.go", "README.md", "x_y.sql"])
        #expect {
            try Self.read(.goose, ["1_a.sql": up, "001_b.go": ""])
        } throws: { error in
            (error as! FormatError).message.contains("same version (1)")
        }
    }

    // MARK: sqlx

    @Test func sqlxReadsSimpleAndReversibleFilesAndTheNoTransactionLine() throws {
        let folder = try Self.read(
            .sqlx,
            [
                "20240101_create_users.sql": "CREATE TABLE users (id int);\n",
                "20240102_add_index.up.sql": "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON users (id);\n",
                "20240102_add_index.down.sql": "DROP INDEX i;\n", "README.md": "", "notes.sql": "",
            ])
        #expect(folder.migrations.map(\.version) == ["20240101", "20240102"])
        #expect(folder.migrations.map(\.description) == ["create users", "add index"])
        #expect(folder.migrations.map(\.singleTransaction) == [true, false])
        #expect(folder.ignored == ["README.md", "notes.sql"])
        // sqlx's checksum: SHA-384 of the file's bytes.
        #expect(
            folder.migrations[0].toolChecksum
                == "6337697883ead93bde2c64aa4c89983e494facc84418dc07c69854725a0401e9abccd1b1a56f06b2871d89dd25d29d40")
    }

    @Test(arguments: [
        (["x_a.sql": ""], "x_a.sql", "is not a number"),
        (["1_a.sql": "", "1_b.up.sql": ""], "1_b.up.sql", "same version (1)"),
    ])
    func sqlxRefusesWhatSqlxRefuses(files: [String: String], file: String, message: String) {
        #expect {
            try Self.read(.sqlx, files)
        } throws: { error in
            let error = error as! FormatError
            return error.file == file && error.message.contains(message)
        }
    }

    @Test func sqlxLockKeyMatchesItsSource() {
        // sqlx-postgres migrate.rs generate_lock_id: 0x3d32ad9e * crc32(database) as i64.
        #expect(ToolLedger(format: .sqlx, table: "_sqlx_migrations").lockKey(schema: "public", database: "postgres") == 368_907_709_894_077_238)
    }

    // MARK: Flyway

    @Test func flywayOrdersVersionsAsNumbersThenRepeatablesByDescription() throws {
        let folder = try Self.read(
            .flyway,
            [
                "V1_10__ten.sql": "SELECT 10;", "V1.2__two.sql": "SELECT 2;", "V1__one.sql": "SELECT 1;",
                "sub/V2__deep.sql": "SELECT 3;", "R__views.sql": "SELECT 4;", "R__a_first.sql": "SELECT 5;",
                "U1__undo.sql": "SELECT 0;", "README.md": "", "V4__x.sql.conf": "executeInTransaction=false\n",
                "V4__x.sql": "CREATE TABLE x ();",
            ])
        #expect(folder.migrations.map(\.fileName) == [
            "V1__one.sql", "V1.2__two.sql", "V1_10__ten.sql", "sub/V2__deep.sql", "V4__x.sql", "R__a_first.sql",
            "R__views.sql",
        ])
        #expect(folder.migrations.map(\.version) == ["1", "1.2", "1.10", "2", "4", "", ""])
        #expect(folder.migrations.map(\.description).suffix(2) == ["a first", "views"])
        #expect(folder.migrations.map(\.singleTransaction) == [true, true, true, true, false, true, true])
        #expect(folder.ignored == ["README.md", "U1__undo.sql"])
    }

    @Test(arguments: [("1.0", ["1"]), ("1", ["1"]), ("001.2.0", ["1", "2"]), ("1.0.1", ["1", "0", "1"])])
    func flywayVersionsCompareAsNumbersWithTrailingZerosDropped(text: String, normalized: [String]) {
        #expect(FlywayFolder.normalizedVersion(text) == normalized)
    }

    @Test func flywayChecksumIsTheCRCOfTheLinesWithoutEndingsOrBOM() {
        // Values from the reference's port of ChecksumCalculator.java.
        #expect(FlywayFolder.checksum("CREATE TABLE t (id int);\n") == 92_137_680)
        #expect(FlywayFolder.checksum("CREATE TABLE t (id int);\r\n") == 92_137_680)
        #expect(FlywayFolder.checksum("\u{FEFF}CREATE TABLE t (id int);\n") == 92_137_680)
        #expect(FlywayFolder.checksum("a\nb\n") == -1_635_563_411)
        #expect(FlywayFolder.checksum("ab") == -1_635_563_411)
    }

    @Test(arguments: [
        ("CREATE INDEX CONCURRENTLY i ON t (x);", false), ("create unique index concurrently i on t (x)", false),
        ("VACUUM t", false), ("REINDEX VERBOSE DATABASE d", false), ("CREATE DATABASE d", false),
        ("ALTER SYSTEM SET x = 1", false), ("CREATE INDEX i ON t (x)", true), ("REINDEX TABLE t", true),
    ])
    func flywayKnowsWhatPostgreSQLRefusesInATransaction(statement: String, transactional: Bool) {
        #expect(FlywayFolder.canRunInTransaction(statement) == transactional)
    }

    @Test(arguments: [
        (["V1__a.sql": "CREATE INDEX CONCURRENTLY i ON t (x);\nCREATE TABLE u ();\n"], "Flyway refuses the mix"),
        (["V1__a.sql": "", "V1.0__b.sql": ""], "same version"),
        (["Vx__a.sql": ""], "is not a Flyway version"),
        (["R1__a.sql": ""], "a repeatable migration has no version"),
        (["B1__base.sql": ""], "baseline migration"),
        (["beforeMigrate.sql": ""], "Flyway callback"),
        (["V1__a.sql": "SELECT '${other}';"], "which placeholders does not set"),
        (["V1__a.sql": "SELECT '${flyway:user}';"], "built-in placeholder"),
        (["V1__a.sql": "", "V1__a.sql.conf": "mixed=true\n"], "a setting prestart does not read"),
    ])
    func flywayRefusesWhatItCannotReadAsFlywayDoes(files: [String: String], message: String) {
        #expect {
            try Self.read(.flyway, files)
        } throws: { error in
            (error as! FormatError).message.contains(message)
        }
    }

    @Test func flywayPlaceholdersAreReplacedAndRepeatablesChecksummedAfter() throws {
        let folder = try Self.read(.flyway, ["V1__a.sql": "CREATE SCHEMA ${schema};", "R__b.sql": "SET search_path = ${schema};"])
        #expect(folder.migrations.map { $0.parts.map(\.sql) } == [["CREATE SCHEMA app"], ["SET search_path = app"]])
        #expect(folder.migrations[0].toolChecksum == String(FlywayFolder.checksum("CREATE SCHEMA ${schema};")))
        #expect(folder.migrations[1].toolChecksum == String(FlywayFolder.checksum("SET search_path = app;")))
        #expect(throws: FormatError.self) {
            try FlywayFolder.read(["V1__a.sql"], read: { _ in Array("SELECT ${x};".utf8) }, placeholders: nil)
        }
    }

    @Test func flywayLockKeyMatchesItsSource() {
        #expect(ToolLedger(format: .flyway, table: "flyway_schema_history").lockKey(schema: "public", database: "x") == 77_433_833_903_597)
    }

    // MARK: Locks and ledgers

    @Test func golangMigrateLockKeysMatchItsSource() {
        // database/util_test.go: GenerateAdvisoryLockId("database_name") == "1764327054".
        #expect(UInt32(truncatingIfNeeded: CRC32.checksum(Array("database_name".utf8)) &* 1_486_364_155) == 1_764_327_054)
        let tool = ToolLedger(format: .golangMigrate, table: "schema_migrations")
        #expect(tool.lockKey(schema: "public", database: "postgres") == 143_310_882)
        #expect(ToolLedger(format: .dbmate, table: "schema_migrations").lockKey(schema: "public", database: "x") == nil)
    }

    @Test func golangMigrateLedgerMeansEveryVersionUpToItsRow() throws {
        let folder = try Self.read(.golangMigrate, ["1_a.up.sql": "", "2_b.up.sql": "", "3_c.up.sql": ""])
        let tool = ToolLedger(format: .golangMigrate, table: "app.schema_migrations")
        #expect(tool.quoted == "\"app\".\"schema_migrations\"")
        #expect(try tool.applied(.version(2, dirty: false), of: folder.migrations).map(\.version) == ["1", "2"])
        #expect(try tool.applied(.version(nil, dirty: false), of: folder.migrations).isEmpty)
        #expect(throws: AdoptionError.self) { try tool.applied(.version(2, dirty: true), of: folder.migrations) }
        #expect(throws: AdoptionError.self) { try tool.applied(.version(7, dirty: false), of: folder.migrations) }
    }

    @Test func dbmateLedgerMeansTheVersionsItHasRowsFor() throws {
        let up = "-- migrate:up\nA;\n-- migrate:down\n"
        let folder = try Self.read(.dbmate, ["1_a.sql": up, "2_b.sql": up, "3_c.sql": up])
        let tool = ToolLedger(format: .dbmate, table: "schema_migrations")
        #expect(try tool.applied(.versions(["1", "3"]), of: folder.migrations).map(\.version) == ["1", "3"])
        #expect(throws: AdoptionError.self) { try tool.applied(.versions(["1", "4"]), of: folder.migrations) }
    }

    @Test func errorLinesCountFromTheSectionsFirstLine() {
        #expect(ToolUnit.newlines(in: "-- migrate:up\nSELECT 1;\nSELEC 2;\n", before: 25) == 2)
        #expect(ToolUnit.newlines(in: "x", before: 1) == 0)
    }
}

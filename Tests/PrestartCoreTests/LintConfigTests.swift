import Glibc
import Logging
import Testing

@testable import PrestartCore
import PrestartLint
import PrestartTestSupport
import PrestartSystem

/// `[lint]` in the config, and each step's SQL as the linter sees it.
@Suite struct LintConfigTests {
    let invocation = Invocation(environment: Environment(["HOME": "/root"]), logger: Logger(label: "test"), reportPath: nil)

    func load(_ text: String, in directory: TemporaryDirectory) throws -> Config {
        try directory.write("prestart.toml", text)
        return try ConfigLoader(environment: Environment(["HOME": "/root"])).load(file: directory.path + "/prestart.toml")
    }

    @Test func readsRulesAndServerVersion() throws {
        let directory = try TemporaryDirectory()
        let config = try load(
            """
            [database]
            url = "postgresql://localhost/app"

            [lint]
            server-version = "14.3"
            rules = { set-not-null = "error", rename-column = "off" }
            """, in: directory)
        #expect(config.lint.serverVersion == 140003)
        #expect(config.lint.severities == [.setNotNull: .error, .renameColumn: .off])
    }

    @Test(arguments: [
        ("rules = { nope = \"warn\" }", "prestart.toml:5: lint.rules.nope: is not a lint rule"),
        ("rules = { set-not-null = \"loud\" }", "prestart.toml:5: lint.rules.set-not-null: must be one of \"off\", \"warn\", \"error\""),
        ("server-version = \"fifteen\"", "prestart.toml:5: lint.server-version: \"fifteen\" is not a PostgreSQL version"),
        ("strict = true", "prestart.toml:5: lint.strict: unknown key"),
    ])
    func aWrongLintKeyIsAConfigErrorWithItsLine(_ line: String, _ expected: String) throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: ConfigError.self) {
            try load("[database]\nurl = \"postgresql://localhost/app\"\n\n[lint]\n\(line)\n", in: directory)
        }
        #expect(error.map { "\($0)" }?.contains(expected) == true, "\(String(describing: error))")
    }

    @Test func inlineSQLWithParametersIsLintedAtItsLinesInTheConfig() throws {
        let directory = try TemporaryDirectory()
        let config = try load(
            """
            [database]
            url = "postgresql://localhost/app"

            [steps.seed]
            kind = "sql"
            params = { email = "a@b.c" }
            sql = \"\"\"
            INSERT INTO "user" (email) VALUES (:email);
              CREATE INDEX ix ON "user" (email);
            \"\"\"
            """, in: directory)
        let units = invocation.lint(config)
        let finding = try #require(units.first?.findings.first)
        #expect(finding.text.hasPrefix("prestart.toml:9:3: require-concurrent-index:"), "\(finding.text)")
    }

    @Test func eachMigrationFileKeepsItsOwnTransactionSettingAndSQLiteIsNotLinted() throws {
        let directory = try TemporaryDirectory()
        mkdir(directory.path + "/migrations", 0o755)
        try directory.write("migrations/1-a.sql", "CREATE INDEX CONCURRENTLY ix ON t (a);\n")
        try directory.write("migrations/2-b.sql", "-- prestart:no-transaction\nCREATE INDEX CONCURRENTLY ix2 ON t (b);\n")
        let steps = "\n[steps.migrations]\nkind = \"migrations\"\ndir = \"migrations\"\n"
        let postgres = try load("[database]\nurl = \"postgresql://localhost/app\"\n" + steps, in: directory)
        let units = invocation.lint(postgres)
        #expect(units.map(\.file) == ["migrations/1-a.sql", "migrations/2-b.sql"])
        #expect(units.map(\.transactional) == [true, false])
        #expect(units.flatMap(\.findings).map(\.text).map { $0.prefix(56) } == ["migrations/1-a.sql:1:1: concurrently-in-transaction: CRE"])
        let sqlite = try load("[database]\nurl = \"sqlite:///app.db\"\n" + steps, in: directory)
        #expect(invocation.lint(sqlite).isEmpty)
    }

    @Test func anotherToolsFolderIsLintedOnlyWhereItsUpPartsRun() throws {
        let directory = try TemporaryDirectory()
        mkdir(directory.path + "/db", 0o755)
        try directory.write("db/0001_index.up.sql", "-- the index\nCREATE INDEX ix ON t (a);\n")
        try directory.write("db/0001_index.down.sql", "DROP TABLE t;\n")
        try directory.write("db/0002_alone.up.sql", "CREATE INDEX CONCURRENTLY ix2 ON t (b);\n")
        try directory.write("db/0003_mixed.up.sql", "SELECT 1;\nCREATE INDEX CONCURRENTLY ix3 ON t (c);\n")
        let config = try load(
            """
            [database]
            url = "postgresql://localhost/app"

            [steps.migrations]
            kind = "migrations"
            dir = "db"
            format = "golang-migrate"
            """, in: directory)
        let findings = invocation.lint(config).flatMap(\.findings).map { "\($0.file):\($0.line): \($0.rule.rawValue)" }
        // A lone CONCURRENTLY in a simple-query string works; with another statement it is one implicit transaction.
        #expect(findings == ["db/0001_index.up.sql:2: require-concurrent-index", "db/0003_mixed.up.sql:2: concurrently-in-transaction"])
    }
}

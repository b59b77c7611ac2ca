import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// `plan` and `check` lint through the built binary, against a real PostgreSQL with a table of a million rows.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct LintPlanTests {
    /// A database with `"user"` (1 M rows, analyzed) and an empty `audit`; a project whose first migration is
    /// applied and whose next two are pending.
    func project() throws -> TemporaryDirectory {
        let database = try TestDatabase.createDatabase()
        let connection = try TestDatabase.connect(to: database.name)
        defer { connection.close() }
        try connection.execute("CREATE TABLE \"user\" (id bigserial PRIMARY KEY, email text NOT NULL, name text)")
        try connection.execute(
            "INSERT INTO \"user\" (email, name) SELECT 'u' || g || '@example.com', 'n' || g FROM generate_series(1, 1000000) g")
        try connection.execute("ANALYZE \"user\"")
        try connection.execute("CREATE TABLE audit (at timestamptz, what text)")

        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(database.url)"

            [steps.migrations]
            kind = "migrations"
            dir = "migrations"
            """)
        mkdir(directory.path + "/migrations", 0o755)
        try directory.write("migrations/0001-account.sql", "CREATE TABLE account (id int);\nCREATE INDEX ON account (id);\n")
        let up = try PrestartProcess.run(["up", "--log-format", "text"], in: directory)
        #expect(up.exitCode == 0, "\(up.stderr)")
        try directory.write(
            "migrations/0042-add-index.sql",
            """
            -- Look users up by email.

            CREATE INDEX ix_user_email ON "user" (email);
            ALTER TABLE "user" ADD COLUMN nickname text;
            CREATE INDEX ix_audit_at ON audit (at);

            """)
        try directory.write(
            "migrations/0043-concurrently.sql",
            "-- prestart:no-transaction\nCREATE INDEX CONCURRENTLY ix_user_name ON \"user\" (name);\n")
        return directory
    }

    @Test func planSaysHowBigTheTableIsAndListsTheLockOfEveryPendingStatement() throws {
        let directory = try project()
        let plan = try PrestartProcess.run(["plan", "--log-format", "text"], in: directory)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let out = plan.stdout
        #expect(out.contains("migrations/0042-add-index.sql     pending"), "\(out)")
        #expect(
            out.contains(
                "migrations/0042-add-index.sql:3:1: require-concurrent-index: CREATE INDEX on \"user\" (≈ 1 M rows) "
                    + "takes SHARE lock: writes wait for the whole build. Use CREATE INDEX CONCURRENTLY in a file that "
                    + "starts with -- prestart:no-transaction."), "\(out)")
        #expect(out.contains("migrations/0042-add-index.sql:5:1: note: require-concurrent-index: CREATE INDEX on \"audit\" (empty)"), "\(out)")
        #expect(out.contains("migrations/0042-add-index.sql  in one transaction"), "\(out)")
        #expect(out.contains("3:1  CREATE INDEX            SHARE on \"user\" (≈ 1 M rows)"), "\(out)")
        #expect(out.contains("4:1  ALTER TABLE ADD COLUMN  ACCESS EXCLUSIVE on \"user\" (≈ 1 M rows)"), "\(out)")
        #expect(out.contains("5:1  CREATE INDEX            SHARE on \"audit\" (empty)"), "\(out)")
        #expect(out.contains("migrations/0043-concurrently.sql  no transaction"), "\(out)")
        #expect(out.contains("2:1  CREATE INDEX CONCURRENTLY  SHARE UPDATE EXCLUSIVE on \"user\" (≈ 1 M rows)"), "\(out)")
        // The applied file is not linted again.
        #expect(!out.contains("0001-account.sql  in one transaction"), "\(out)")
        #expect(out.contains("Before it runs: locks and lint of the pending SQL (PostgreSQL 15"), "\(out)")
    }

    @Test func planJSONCarriesTheSame() throws {
        let directory = try project()
        let plan = try PrestartProcess.run(["plan", "--json", "--log-format", "text"], in: directory)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let json = try JSON.parse(plan.stdout.trimmingWhitespace())
        #expect((json["server_version"]?.integer ?? 0) >= 150000)
        let units = try #require(json["units"]?.array)
        #expect(units.compactMap { $0["unit"]?.string } == ["migrations/0042-add-index.sql", "migrations/0043-concurrently.sql"])
        let findings = try #require(units.first?["findings"]?.array)
        #expect(findings.compactMap { $0["rule"]?.string } == ["require-concurrent-index", "require-concurrent-index"])
        #expect(findings.compactMap { $0["severity"]?.string } == ["warn", "note"])
        let locks = try #require(units.first?["statements"]?.array?.first?["locks"]?.array?.first)
        #expect(locks["level"]?.string == "SHARE")
        #expect(locks["note"]?.string == "≈ 1 M rows")
        #expect(units.last?["transactional"] == .bool(false))
    }

    @Test func checkStrictFailsOnTheWarningAndPassesWithAReasonedAllow() throws {
        let directory = try project()
        let strict = try PrestartProcess.run(["check", "--strict", "--log-format", "text"], in: directory)
        #expect(strict.exitCode == 1)
        #expect(strict.stdout.contains("migrations/0042-add-index.sql:3:1: require-concurrent-index:"), "\(strict.stdout)")
        #expect(strict.stdout.contains("migrations/0042-add-index.sql:5:1: require-concurrent-index:"), "\(strict.stdout)")
        #expect(try PrestartProcess.run(["check"], in: directory).exitCode == 0)
        try directory.write(
            "migrations/0042-add-index.sql",
            """
            -- prestart:allow-file require-concurrent-index: both tables are small at every customer; built in seconds
            CREATE INDEX ix_user_email ON "user" (email);
            ALTER TABLE "user" ADD COLUMN nickname text;
            CREATE INDEX ix_audit_at ON audit (at);
            """)
        let allowed = try PrestartProcess.run(["check", "--strict", "--log-format", "text"], in: directory)
        #expect(allowed.exitCode == 0, "\(allowed.stdout)\(allowed.stderr)")
    }

    @Test func anUnknownRuleInTheConfigIsAConfigErrorWithItsLine() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "postgresql://localhost/x"

            [lint]
            server-version = 14
            rules = { set-not-nul = "error" }
            """)
        let check = try PrestartProcess.run(["check", "--log-format", "text"], in: directory)
        #expect(check.exitCode == 78)
        #expect(check.stderr.contains("prestart.toml:6: lint.rules.set-not-nul: is not a lint rule"), "\(check.stderr)")
    }
}

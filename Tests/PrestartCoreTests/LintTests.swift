import PrestartLint
import Testing

@Suite struct LintTests {
    func lint(_ text: String, transactional: Bool = true, catalog: LintCatalog? = nil, options: LintOptions = LintOptions())
        -> UnitLint
    {
        Linter(options: options, catalog: catalog).lint(
            LintUnit(name: "migrations/0042-add-index.sql", file: "migrations/0042-add-index.sql", text: text,
                     transactional: transactional))
    }

    // MARK: Where a finding points

    @Test func pointsAtTheFirstTokenAfterCommentsAndBlankLines() throws {
        let report = lint("SELECT 1;\n\n-- the index\n/* a /* nested */ comment */\n  CREATE INDEX ix ON \"user\" (email);\n")
        let finding = try #require(report.findings.first)
        #expect((finding.line, finding.column) == (5, 3))
        #expect(report.statements.map(\.line) == [1, 5])
    }

    @Test func countsColumnsInCharactersNotBytes() throws {
        let report = lint("SELECT 'é'; CREATE INDEX ix ON t (a);")
        let finding = try #require(report.findings.first)
        #expect((finding.line, finding.column) == (1, 13))
    }

    @Test func writesTheFindingAsFileLineColumnRuleMessage() throws {
        let report = lint("-- add an index\nCREATE INDEX ix ON \"user\" (email);")
        let finding = try #require(report.findings.first)
        #expect(
            finding.text
                == "migrations/0042-add-index.sql:2:1: require-concurrent-index: CREATE INDEX on \"user\" takes SHARE "
                + "lock: writes wait for the whole build. Use CREATE INDEX CONCURRENTLY in a file that starts with "
                + "-- prestart:no-transaction.")
    }

    @Test func pointsASyntaxErrorAtTheParsersCursor() throws {
        let report = lint("SELECT 1;\nCREATE TABLE (id int);")
        let finding = try #require(report.findings.first)
        #expect(finding.rule == .syntaxError)
        #expect(finding.line == 2)
        #expect(finding.severity == .error)
    }

    // MARK: Exceptions

    @Test func anAllowWithAReasonSilencesTheNextStatementOnly() {
        let report = lint(
            """
            -- prestart:allow require-concurrent-index: table is created empty by the previous file
            CREATE INDEX a ON t (a);
            CREATE INDEX b ON t (b);
            """)
        #expect(report.findings.map(\.line) == [3])
    }

    @Test func anAllowFileSilencesTheRuleEverywhereInTheUnit() {
        let report = lint(
            """
            -- prestart:allow-file require-concurrent-index, drop-column: the table is small and read by nobody yet
            CREATE INDEX a ON t (a);
            ALTER TABLE t DROP COLUMN c;
            CREATE INDEX b ON t (b);
            """)
        #expect(report.findings.isEmpty)
    }

    @Test func anAllowWithoutAReasonIsItselfAFindingAndDoesNotCount() {
        let report = lint("-- prestart:allow require-concurrent-index\nCREATE INDEX a ON t (a);")
        #expect(report.findings.map(\.rule) == [.invalidAllow, .requireConcurrentIndex])
        #expect(report.findings[0].line == 1)
    }

    @Test func anAllowForAnUnknownRuleIsAFinding() {
        let report = lint("-- prestart:allow require-concurrent-indexes: typo\nCREATE INDEX a ON t (a);")
        #expect(report.findings.map(\.rule) == [.invalidAllow, .requireConcurrentIndex])
        #expect(report.findings[0].message.contains("require-concurrent-indexes"))
    }

    // MARK: Options

    @Test func rulesCanBeTurnedOffOrMadeErrors() {
        let options = LintOptions(severities: [.renameColumn: .off, .setNotNull: .error])
        let report = lint("ALTER TABLE t RENAME COLUMN a TO b;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;", options: options)
        #expect(report.findings.map(\.rule) == [.setNotNull])
        #expect(report.findings.map(\.severity) == [.error])
        #expect([report].fail(strict: false))
    }

    @Test func warningsFailOnlyUnderStrict() {
        let report = lint("ALTER TABLE t RENAME COLUMN a TO b;")
        #expect(![report].fail(strict: false))
        #expect([report].fail(strict: true))
    }

    @Test(arguments: [("15", 150000), ("14.3", 140003), ("9.6", 90600), ("150004", 150004), ("10", 100000)])
    func readsServerVersions(_ text: String, _ number: Int) {
        #expect(LintOptions.serverVersion(parsing: text) == number)
    }

    @Test(arguments: ["", "x", "15.x", "-1", "1.2.3.4"])
    func rejectsWhatIsNoVersion(_ text: String) {
        #expect(LintOptions.serverVersion(parsing: text) == nil)
    }

    // MARK: Locks

    @Test func listsTheLockOfEveryStatement() {
        let report = lint(
            """
            CREATE INDEX ix ON "user" (email);
            CREATE INDEX CONCURRENTLY ix2 ON "user" (name);
            ALTER TABLE item ADD COLUMN n int;
            ALTER TABLE item VALIDATE CONSTRAINT fk;
            ALTER TABLE item ADD CONSTRAINT fk FOREIGN KEY (owner_id) REFERENCES "user" (id) NOT VALID;
            INSERT INTO item (n) VALUES (1);
            SELECT count(*) FROM item;
            CREATE TABLE t (id int REFERENCES "user" (id));
            DROP INDEX ix;
            SET lock_timeout = '5s';
            """, transactional: false)
        #expect(
            report.statements.map(\.locksText) == [
                "SHARE on \"user\"", "SHARE UPDATE EXCLUSIVE on \"user\"", "ACCESS EXCLUSIVE on \"item\"",
                "SHARE UPDATE EXCLUSIVE on \"item\"", "SHARE ROW EXCLUSIVE on \"item\", SHARE ROW EXCLUSIVE on \"user\"",
                "ROW EXCLUSIVE on \"item\"", "ACCESS SHARE on \"item\"",
                "ACCESS EXCLUSIVE on \"t\" (created in this unit), SHARE ROW EXCLUSIVE on \"user\"",
                "ACCESS EXCLUSIVE on the table of index \"ix\"", "no table lock",
            ])
        #expect(
            report.statements.map(\.command) == [
                "CREATE INDEX", "CREATE INDEX CONCURRENTLY", "ALTER TABLE ADD COLUMN", "ALTER TABLE VALIDATE CONSTRAINT",
                "ALTER TABLE ADD FOREIGN KEY", "INSERT", "SELECT", "CREATE TABLE", "DROP INDEX", "SET lock_timeout",
            ])
    }

    // MARK: Against a live catalog (plan)

    static let catalog = LintCatalog(
        serverVersion: 150004,
        tables: [
            LintCatalog.Table(name: TableName(schema: "public", name: "user"), estimatedRows: 2_100_000, pages: 30000,
                              columns: ["name": "character varying(10)", "id": "integer"]),
            LintCatalog.Table(name: TableName(schema: "public", name: "empty"), estimatedRows: 0, pages: 0),
            LintCatalog.Table(name: TableName(schema: "public", name: "m"), estimatedRows: 500, pages: 10, partitioned: true,
                              partitionIndexes: [["at"], []]),
            LintCatalog.Table(name: TableName(schema: "public", name: "m2"), estimatedRows: 500, pages: 10, partitioned: true,
                              partitionIndexes: [["at", "id"], ["at"]]),
        ],
        functionVolatility: ["my_func": "s"])

    @Test func saysHowBigTheTableIs() throws {
        let report = lint("CREATE INDEX ix ON \"user\" (email);", catalog: Self.catalog)
        let finding = try #require(report.findings.first)
        #expect(finding.message.hasPrefix("CREATE INDEX on \"user\" (≈ 2.1 M rows) takes SHARE lock"))
        #expect(finding.severity == .warn)
        #expect(report.statements.first?.locksText == "SHARE on \"user\" (≈ 2.1 M rows)")
    }

    @Test func aFindingOnAnEmptyOrNewTableIsANote() {
        let report = lint("CREATE INDEX a ON empty (a);\nCREATE INDEX b ON brand_new (b);", catalog: Self.catalog)
        #expect(report.findings.map(\.severity) == [.note, .note])
        #expect(report.findings[1].message.contains("(a new table)"))
        #expect(![report].fail(strict: true))
    }

    @Test func aConcurrentIndexInATransactionFailsWhateverTheTableHolds() {
        let report = lint("CREATE INDEX CONCURRENTLY a ON empty (a);", catalog: Self.catalog)
        #expect(report.findings.map(\.severity) == [.error])
    }

    @Test func aPartitionedParentIsFlaggedOnlyWhileAPartitionLacksTheIndex() {
        #expect(lint("CREATE INDEX ON m (at);", catalog: Self.catalog).findings.map(\.rule) == [.requireConcurrentIndex])
        #expect(lint("CREATE INDEX ON m2 (at);", catalog: Self.catalog).findings.isEmpty)
        #expect(lint("CREATE INDEX ON ONLY m (at);", catalog: Self.catalog).findings.isEmpty)
    }

    @Test func knowsTheColumnsTypeFromTheCatalog() {
        #expect(lint("ALTER TABLE \"user\" ALTER COLUMN name TYPE varchar(20);", catalog: Self.catalog).findings.isEmpty)
        #expect(
            lint("ALTER TABLE \"user\" ALTER COLUMN name TYPE varchar(5);", catalog: Self.catalog).findings.map(\.rule)
                == [.changeColumnType])
        #expect(
            lint("ALTER TABLE \"user\" ALTER COLUMN id TYPE text;", catalog: Self.catalog).findings.map(\.rule)
                == [.changeColumnType])
    }

    @Test func createTableIfNotExistsOnAnExistingTableDoesNotMakeItNew() {
        let text = "CREATE TABLE IF NOT EXISTS \"user\" (id int);\nCREATE INDEX IF NOT EXISTS ix ON \"user\" (id);"
        #expect(lint(text, catalog: Self.catalog).findings.map(\.rule) == [.requireConcurrentIndex])
        #expect(lint(text).findings.isEmpty)
    }

    @Test func asksTheServerHowVolatileAFunctionIs() {
        #expect(lint("ALTER TABLE \"user\" ADD COLUMN x int DEFAULT my_func();", catalog: Self.catalog).findings.isEmpty)
    }

    @Test func remembersColumnTypesAcrossTheUnitsOfAStep() {
        let linter = Linter(options: LintOptions())
        var memory = LintMemory()
        _ = linter.lint(LintUnit(name: "1", file: "1.sql", text: "CREATE TABLE t (a varchar(10), b int);", transactional: true), memory: &memory)
        let shorter = linter.lint(
            LintUnit(name: "2", file: "2.sql", text: "ALTER TABLE t ALTER COLUMN a TYPE varchar(5);", transactional: true),
            memory: &memory)
        #expect(shorter.findings.map(\.rule) == [.changeColumnType])
        let longer = linter.lint(
            LintUnit(name: "3", file: "3.sql", text: "ALTER TABLE t ALTER COLUMN a TYPE varchar(40);", transactional: true),
            memory: &memory)
        #expect(longer.findings.isEmpty)
    }
}

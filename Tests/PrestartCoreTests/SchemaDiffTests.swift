import PrestartLint
import Testing

@testable import PrestartCore
@testable import PrestartDatabase

/// `drift = "apply"`'s rules: which difference is applied at start, with which statements and locks, and which is
/// left to a migration, with which SQL.
@Suite struct SchemaDiffTests {
    typealias Column = TableShape.Column

    let have = TableShape(
        name: "user",
        columns: [
            Column(name: "id", type: "integer", notNull: true),
            Column(name: "email", type: "character varying(255)", notNull: true),
            Column(name: "nick", type: "text", notNull: false),
        ],
        indexes: ["user_pkey": .init(name: "user_pkey", unique: true, definition: "USING btree (id)", constraint: "user_pkey")],
        constraints: ["user_pkey": .init(name: "user_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])

    func adding(_ column: Column) -> TableShape {
        var want = have
        want.columns.append(column)
        return want
    }

    func statements(_ change: SchemaChange) -> [SchemaChange.DDL] {
        if case .safe(let statements) = change.remedy { return statements }
        return []
    }

    func migration(_ change: SchemaChange) -> [String] {
        if case .unsafe(_, let migration) = change.remedy { return migration }
        return []
    }

    @Test(arguments: [
        (Column(name: "phone", type: "character varying(32)", notNull: false), "\"phone\" character varying(32)"),
        (Column(name: "score", type: "integer", notNull: true, defaultValue: "0"), "\"score\" integer DEFAULT 0 NOT NULL"),
        (Column(name: "at", type: "timestamp with time zone", notNull: false, defaultValue: "now()"),
         "\"at\" timestamp with time zone DEFAULT now()"),
    ])
    func aColumnAddedWithoutRewritingIsApplied(column: Column, declaration: String) throws {
        let changes = SchemaDiff.changes(adding(column), have, dialect: .postgres)
        let change = try #require(changes.first)
        #expect(changes.count == 1)
        #expect(change.subject == "column user.\(column.name)")
        #expect(statements(change).map(\.sql) == ["ALTER TABLE \"user\" ADD COLUMN \(declaration)"])
        #expect(statements(change).map(\.lock) == [.accessExclusive])
        #expect(statements(change).map(\.transactional) == [true])
    }

    @Test(arguments: [
        (Column(name: "token", type: "uuid", notNull: false, defaultValue: "gen_random_uuid()", addsWithoutRewrite: false),
         "is volatile"),
        (Column(name: "serial", type: "integer", notNull: true, addsWithoutRewrite: false, computed: "identity"),
         "rewrites the table"),
        (Column(name: "code", type: "text", notNull: true), "cannot be added to a table that has rows"),
    ])
    func aColumnThatWouldRewriteOrFailIsLeftToAMigration(column: Column, reason: String) throws {
        let change = try #require(SchemaDiff.changes(adding(column), have, dialect: .postgres, hasRows: true).first)
        guard case .unsafe(let why, let sql) = change.remedy else {
            Issue.record("applied: \(change)")
            return
        }
        #expect(why.contains(reason))
        #expect(!sql.isEmpty)
    }

    @Test func aNotNullColumnWithoutADefaultIsAddedToAnEmptyTable() throws {
        let column = Column(name: "code", type: "text", notNull: true)
        let change = try #require(SchemaDiff.changes(adding(column), have, dialect: .postgres, hasRows: false).first)
        #expect(statements(change).map(\.sql) == ["ALTER TABLE \"user\" ADD COLUMN \"code\" text NOT NULL"])
        #expect(SchemaDiff.needsRowCheck(adding(column), have))
        #expect(!SchemaDiff.needsRowCheck(adding(Column(name: "n", type: "int", notNull: true, defaultValue: "0")), have))
    }

    @Test func anIndexIsBuiltConcurrentlyAndAnInvalidOneIsBuiltAgain() throws {
        var want = have
        want.indexes["ix_user_nick"] = .init(name: "ix_user_nick", unique: true, definition: "USING btree (nick)")
        let change = try #require(SchemaDiff.changes(want, have, dialect: .postgres).first)
        #expect(
            statements(change).map(\.sql)
                == ["CREATE UNIQUE INDEX CONCURRENTLY \"ix_user_nick\" ON \"user\" USING btree (nick)"])
        #expect(statements(change).map(\.transactional) == [false])
        #expect(statements(change).first?.builds?.index == "ix_user_nick", "an INVALID index it leaves is dropped")

        var interrupted = have
        interrupted.indexes["ix_user_nick"] = .init(
            name: "ix_user_nick", unique: true, definition: "USING btree (nick)", valid: false)
        let again = try #require(SchemaDiff.changes(want, interrupted, dialect: .postgres).first)
        #expect(again.drift == "user: index ix_user_nick is invalid (an interrupted CREATE INDEX CONCURRENTLY)")
        #expect(
            statements(again).map(\.sql) == [
                "DROP INDEX CONCURRENTLY IF EXISTS \"ix_user_nick\"",
                "CREATE UNIQUE INDEX CONCURRENTLY \"ix_user_nick\" ON \"user\" USING btree (nick)",
            ])
        #expect(SchemaDiff.changes(want, want, dialect: .postgres).isEmpty)
    }

    @Test func aForeignKeyIsAddedNotValidThenValidated() throws {
        var want = have
        want.constraints["user_team_fk"] = .init(
            name: "user_team_fk", kind: .foreignKey, definition: "FOREIGN KEY (id) REFERENCES team(id)")
        let change = try #require(SchemaDiff.changes(want, have, dialect: .postgres).first)
        #expect(
            statements(change).map(\.sql) == [
                "ALTER TABLE \"user\" ADD CONSTRAINT \"user_team_fk\" FOREIGN KEY (id) REFERENCES team(id) NOT VALID",
                "ALTER TABLE \"user\" VALIDATE CONSTRAINT \"user_team_fk\"",
            ])
        #expect(statements(change).map(\.lock) == [.shareRowExclusive, .shareUpdateExclusive])
        var halfway = have
        halfway.constraints["user_team_fk"] = .init(
            name: "user_team_fk", kind: .foreignKey, definition: "FOREIGN KEY (id) REFERENCES team(id)", valid: false)
        let rest = try #require(SchemaDiff.changes(want, halfway, dialect: .postgres).first)
        #expect(statements(rest).map(\.sql) == ["ALTER TABLE \"user\" VALIDATE CONSTRAINT \"user_team_fk\""])
    }

    @Test func aUniqueConstraintTakesOverAnIndexBuiltConcurrently() throws {
        var want = have
        want.constraints["user_email_key"] = .init(name: "user_email_key", kind: .unique, definition: "UNIQUE (email)")
        want.indexes["user_email_key"] = .init(
            name: "user_email_key", unique: true, definition: "USING btree (email)", constraint: "user_email_key")
        let changes = SchemaDiff.changes(want, have, dialect: .postgres)
        #expect(changes.count == 1, "the constraint's index is the constraint's, not a change of its own")
        #expect(
            statements(try #require(changes.first)).map(\.sql) == [
                "CREATE UNIQUE INDEX CONCURRENTLY \"user_email_key\" ON \"user\" USING btree (email)",
                "ALTER TABLE \"user\" ADD CONSTRAINT \"user_email_key\" UNIQUE USING INDEX \"user_email_key\"",
            ])
        var built = have
        built.indexes["user_email_key"] = .init(name: "user_email_key", unique: true, definition: "USING btree (email)")
        #expect(
            statements(try #require(SchemaDiff.changes(want, built, dialect: .postgres).first)).map(\.sql) == [
                "ALTER TABLE \"user\" ADD CONSTRAINT \"user_email_key\" UNIQUE USING INDEX \"user_email_key\""
            ], "an index an interrupted attempt built is used, not built again")
    }

    @Test func changesToExistingColumnsAreLeftToAMigration() throws {
        var want = have
        want.columns[1].type = "text"
        want.columns[2].notNull = true
        want.columns.removeLast()
        want.columns.append(Column(name: "nick", type: "text", notNull: true))
        let changes = SchemaDiff.changes(want, have, dialect: .postgres)
        #expect(
            changes.map(\.drift) == [
                "user.email: type is character varying(255), the models say text",
                "user.nick: nullable, the models say NOT NULL",
            ])
        #expect(changes.allSatisfy { !$0.isSafe })
        #expect(migration(changes[0]).last == "ALTER TABLE \"user\" ALTER COLUMN \"email\" TYPE text USING \"email\"::text;")
        #expect(
            migration(changes[1]).filter { !$0.hasPrefix("--") } == [
                "ALTER TABLE \"user\" ADD CONSTRAINT \"user_nick_not_null\" CHECK (\"nick\" IS NOT NULL) NOT VALID;",
                "ALTER TABLE \"user\" VALIDATE CONSTRAINT \"user_nick_not_null\";",
                "ALTER TABLE \"user\" ALTER COLUMN \"nick\" SET NOT NULL;",
                "ALTER TABLE \"user\" DROP CONSTRAINT \"user_nick_not_null\";",
            ])
        let file = SchemaMigration(changes: changes, file: "schema.sql")
        #expect(file.needsOwnTransactions)
        #expect(file.text.hasPrefix("-- prestart:no-transaction\n"))
    }

    @Test func anExtraColumnIsNeverDroppedNotEvenInTheMigration() throws {
        var want = have
        want.columns.removeLast()
        let change = try #require(SchemaDiff.changes(want, have, dialect: .postgres).first)
        #expect(change.drift == "user.nick: extra column (text), not in the models")
        #expect(migration(change).allSatisfy { $0.hasPrefix("--") }, "a DROP COLUMN is written commented out")
    }

    @Test func onSQLiteWhatALTERTABLECanDoIsAppliedAndAChangeIsARebuild() throws {
        var want = have
        want.createStatement = "CREATE TABLE \"user\" (id integer PRIMARY KEY, email text NOT NULL, nick text)"
        want.columns.append(Column(name: "phone", type: "text", notNull: false))
        want.columns.append(Column(name: "code", type: "text", notNull: true))
        want.indexes["ix_phone"] = .init(name: "ix_phone", unique: false, definition: "CREATE INDEX ix_phone ON \"user\" (phone)")
        let changes = SchemaDiff.changes(want, have, dialect: .sqlite)
        #expect(changes.map(\.subject) == ["column user.phone", "column user.code", "index ix_phone"])
        #expect(statements(changes[0]).map(\.sql) == ["ALTER TABLE \"user\" ADD COLUMN \"phone\" text"])
        #expect(statements(changes[0]).map(\.lock) == [nil])
        #expect(!changes[1].isSafe, "SQLite adds a NOT NULL column only with a default")
        #expect(migration(changes[1]).contains("DROP TABLE \"user\";"))
        #expect(statements(changes[2]).map(\.sql) == ["CREATE INDEX ix_phone ON \"user\" (phone)"])
    }

    /// The statements `up` runs pass prestart's own lint (PostgreSQL's parser), which names the same lock.
    @Test func whatIsAppliedPassesTheLintAndTakesTheLockItSays() throws {
        var want = adding(Column(name: "phone", type: "character varying(32)", notNull: false))
        want.indexes["ix_user_phone"] = .init(name: "ix_user_phone", unique: false, definition: "USING btree (phone)")
        want.constraints["user_email_key"] = .init(name: "user_email_key", kind: .unique, definition: "UNIQUE (email)")
        want.indexes["user_email_key"] = .init(
            name: "user_email_key", unique: true, definition: "USING btree (email)", constraint: "user_email_key")
        want.constraints["user_nick_check"] = .init(name: "user_nick_check", kind: .check, definition: "CHECK ((nick <> ''::text))")
        let ddl = SchemaDiff.changes(want, have, dialect: .postgres).flatMap(statements)
        #expect(ddl.count == 6)
        for statement in ddl {
            let report = Linter(options: LintOptions()).lint(
                LintUnit(name: "drift", file: "drift", text: statement.sql + ";", transactional: statement.transactional))
            #expect(report.findings.filter { $0.severity >= .warn }.isEmpty, "\(statement.sql): \(report.findings.map(\.text))")
            let locks = try #require(report.statements.first).locks.map(\.level)
            #expect(locks.max() == statement.lock, "\(statement.sql)")
        }
    }
}

/// SQLite keeps a column's definition only in its table's text: it is read from there.
@Suite struct SQLiteColumnDefinitionTests {
    @Test func eachColumnsDefinitionComesOutByName() {
        let definitions = SQLiteCatalog.columnDefinitions(
            """
            CREATE TABLE "user" (id integer PRIMARY KEY, -- the key, (with a comma)
                "Full, Name" text COLLATE NOCASE, score int CHECK (score IN (1, 2)),
                note text DEFAULT 'a, b', [odd] blob, CONSTRAINT u UNIQUE (score, note))
            """)
        #expect(definitions["id"] == "id integer PRIMARY KEY")
        #expect(definitions["Full, Name"] == "\"Full, Name\" text COLLATE NOCASE")
        #expect(definitions["score"] == "score int CHECK (score IN (1, 2))")
        #expect(definitions["note"] == "note text DEFAULT 'a, b'")
        #expect(definitions["odd"] == "[odd] blob")
        #expect(definitions["CONSTRAINT"] == "CONSTRAINT u UNIQUE (score, note)")
    }

    @Test(arguments: [
        ("0", true), ("-1.5e3", true), ("'x'", true), ("X'00ff'", true), ("NULL", true), ("TRUE", true),
        ("datetime('now')", false), ("CURRENT_TIMESTAMP", false), ("1 + 1", false), ("abs(-1)", false),
    ])
    func onlyAPlainValueIsADefaultSQLiteAdds(text: String, plain: Bool) {
        #expect(SQLiteCatalog.isPlainValue(text) == plain)
    }
}

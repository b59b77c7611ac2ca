import PrestartCore
import Testing
import PrestartDatabase
import PrestartSystem

@Suite struct SQLScriptTests {
    // MARK: Splitting

    @Test func splitsOnSemicolonsAndDropsEmptyStatements() {
        let script = SQLScript("SELECT 1;\n;;  -- only a comment\n;\nSELECT 2", dialect: .postgres)
        #expect(script.statements.map(\.text) == ["SELECT 1", "SELECT 2"])
    }

    @Test func keepsTheFastAPISchemaAsThreeStatementsWithTheirLines() {
        let text = """
            -- full-stack-fastapi-template backend
            -- SQLModel.metadata.sorted_tables
            -- sqlalchemy 2.1.9
            CREATE TABLE "user" (
            \temail VARCHAR(255) NOT NULL,\u{20}
            \tid UUID NOT NULL,\u{20}
            \tPRIMARY KEY (id)
            );

            CREATE UNIQUE INDEX ix_user_email ON "user" (email);

            CREATE TABLE item (
            \towner_id UUID NOT NULL,\u{20}
            \tFOREIGN KEY(owner_id) REFERENCES "user" (id) ON DELETE CASCADE
            );

            """
        let script = SQLScript(text, dialect: .postgres)
        #expect(script.statements.count == 3)
        #expect(script.statements.map(\.firstTokenLine) == [4, 10, 12])
        #expect(script.statements.map(\.startLine) == [1, 10, 12])
        #expect(script.statements[0].text.hasPrefix("CREATE TABLE \"user\" ("))
        #expect(script.statements[0].text.hasSuffix(")"))
        #expect(script.parameterNames.isEmpty)
    }

    @Test func aTrailingCommentBelongsToThePreviousStatement() {
        let script = SQLScript("SELECT 1; -- one\n-- about two\nSELECT 2;", dialect: .sqlite)
        #expect(script.statements[1].startLine == 2)
        #expect(script.statements[1].firstTokenLine == 3)
    }

    @Test(
        "Semicolons inside quoted text and comments do not split",
        arguments: [
            ("SELECT 'a;b' AS x; SELECT 2", ["SELECT 'a;b' AS x", "SELECT 2"]),
            ("SELECT 'it''s; fine'; SELECT 2", ["SELECT 'it''s; fine'", "SELECT 2"]),
            (#"SELECT "odd;name" FROM t; SELECT 2"#, [#"SELECT "odd;name" FROM t"#, "SELECT 2"]),
            ("SELECT 1 -- no; split\n; SELECT 2", ["SELECT 1", "SELECT 2"]),
            ("SELECT /* ; */ 1; SELECT 2", ["SELECT /* ; */ 1", "SELECT 2"]),
            (#"SELECT E'a\';b'; SELECT 2"#, [#"SELECT E'a\';b'"#, "SELECT 2"]),
            (#"SELECT e'\\'; SELECT 2"#, [#"SELECT e'\\'"#, "SELECT 2"]),
        ]
    )
    func quotedTextKeepsSemicolons(text: String, expected: [String]) {
        #expect(SQLScript(text, dialect: .postgres).statements.map(\.text) == expected)
    }

    @Test func aBackslashIsOrdinaryInAStandardString() {
        // standard_conforming_strings: 'C:\' ends at the quote; the next statement is separate.
        let script = SQLScript(#"SELECT 'C:\'; SELECT 2"#, dialect: .postgres)
        #expect(script.statements.map(\.text) == [#"SELECT 'C:\'"#, "SELECT 2"])
    }

    @Test func dollarQuotedFunctionBodiesKeepTheirSemicolons() {
        let text = """
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                NEW.updated_at := now();
                RETURN NEW;
            END;
            $$;
            DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$;
            SELECT 3
            """
        let script = SQLScript(text, dialect: .postgres)
        #expect(script.statements.count == 3)
        #expect(script.statements[0].text.hasSuffix("END;\n$$"))
        #expect(script.statements[0].parameterNames.isEmpty, ":= and names inside the body are not parameters")
        #expect(script.statements[1].text == "DO $body$ BEGIN PERFORM 1; RAISE NOTICE '$$;'; END $body$")
        #expect(script.statements[1].firstTokenLine == 7)
        #expect(script.statements[2].firstTokenLine == 8)
    }

    @Test func aDollarInsideAnIdentifierOrAPositionalParameterIsNotAQuote() {
        let script = SQLScript("SELECT a$b$ FROM t WHERE x = $1; SELECT 2", dialect: .postgres)
        #expect(script.statements.map(\.text) == ["SELECT a$b$ FROM t WHERE x = $1", "SELECT 2"])
    }

    @Test func nestedBlockCommentsOnPostgreSQLButNotOnSQLite() {
        let text = "/* outer /* inner; */ still; comment */ SELECT 1; SELECT 2"
        #expect(SQLScript(text, dialect: .postgres).statements.map(\.text) == ["SELECT 1", "SELECT 2"])
        // SQLite ends the comment at the first */, so "still" starts a statement.
        #expect(
            SQLScript(text, dialect: .sqlite).statements.map(\.text) == ["still", "comment */ SELECT 1", "SELECT 2"]
        )
    }

    @Test func beginAtomicFunctionBodiesAndRuleActionsStayWhole() {
        let text = """
            CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql
            BEGIN ATOMIC
                SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
                SELECT a;
            END;
            CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));
            BEGIN;
            COMMIT;
            """
        let script = SQLScript(text, dialect: .postgres)
        #expect(script.statements.count == 4)
        #expect(script.statements[0].text.hasSuffix("SELECT a;\nEND"))
        #expect(script.statements[1].text.hasSuffix("VALUES (2))"))
        #expect(script.statements[2].text == "BEGIN")
    }

    @Test func sqliteTriggersKeepTheirBody() {
        let text = """
            CREATE TABLE t (id INTEGER PRIMARY KEY, updated TEXT);
            CREATE TEMP TRIGGER stamp AFTER UPDATE ON t BEGIN
                UPDATE t SET updated = CASE WHEN 1 THEN 'x' END WHERE id = NEW.id;
                SELECT 1;
            END;
            SELECT [odd;name], `other;name` FROM t;
            SELECT $notSpecial FROM t
            """
        let script = SQLScript(text, dialect: .sqlite)
        #expect(script.statements.count == 4)
        #expect(script.statements[1].text.hasSuffix("SELECT 1;\nEND"))
        #expect(script.statements[2].text == "SELECT [odd;name], `other;name` FROM t")
        #expect(script.statements[3].text == "SELECT $notSpecial FROM t")
    }

    @Test func dollarQuotesAreNotSpecialOnSQLite() {
        let script = SQLScript("SELECT '$$'; SELECT $$; SELECT 3", dialect: .sqlite)
        #expect(script.statements.map(\.text) == ["SELECT '$$'", "SELECT $$", "SELECT 3"])
    }

    // MARK: Parameters

    @Test func namedParametersBecomePositionalAndReuseTheirNumber() {
        let text = "INSERT INTO u (email, name, contact) VALUES (:email, :name, :email) ON CONFLICT DO NOTHING"
        let postgres = SQLScript(text, dialect: .postgres).statements[0]
        #expect(postgres.text == "INSERT INTO u (email, name, contact) VALUES ($1, $2, $1) ON CONFLICT DO NOTHING")
        #expect(postgres.parameterNames == ["email", "name"])
        let sqlite = SQLScript(text, dialect: .sqlite).statements[0]
        #expect(sqlite.text == "INSERT INTO u (email, name, contact) VALUES (?1, ?2, ?1) ON CONFLICT DO NOTHING")
        #expect(sqlite.parameterNames == ["email", "name"])
    }

    @Test func numberingRestartsInEachStatement() {
        let script = SQLScript("SELECT :b, :a; SELECT :a", dialect: .postgres)
        #expect(script.statements.map(\.text) == ["SELECT $1, $2", "SELECT $1"])
        #expect(script.statements.map(\.parameterNames) == [["b", "a"], ["a"]])
        #expect(script.parameterNames == ["b", "a"])
    }

    @Test(
        "Casts, assignments and colons in quoted text or comments are left alone",
        arguments: [
            "SELECT a::text, b::int[] FROM t",
            "SELECT x:::y",
            "SELECT f(a := 1)",
            "SELECT ':not' || 'it''s :not'",
            #"SELECT E'\':not'"#,
            #"SELECT ":not" FROM t"#,
            "SELECT 1 -- it's :not\n",
            "SELECT /* it's :not */ 1",
            "SELECT $$ :not $$",
            "SELECT $q$ :not; $q$",
            "SELECT arr[1:2]",
            "SELECT ': 1'",
        ]
    )
    func notParameters(text: String) {
        let statement = SQLScript(text, dialect: .postgres).statements[0]
        #expect(statement.parameterNames.isEmpty)
        #expect(statement.text == text.trimmingSQLWhitespace())
    }

    @Test func aCastRightAfterAParameterIsKept() {
        let statement = SQLScript("SELECT :id::uuid, :n::int + 1", dialect: .postgres).statements[0]
        #expect(statement.text == "SELECT $1::uuid, $2::int + 1")
        #expect(statement.parameterNames == ["id", "n"])
    }

    /// PostgreSQL would read `a$1` as one identifier and `$1é` as a malformed parameter (found by Fuzz/).
    @Test func aPlaceholderNeverTouchesAnIdentifierOnPostgreSQL() {
        let postgres = SQLScript("SELECT a:x, 1:y, :zé, :w$", dialect: .postgres).statements[0]
        #expect(postgres.text == "SELECT a $1, 1 $2, $3 é, $4$")
        #expect(postgres.location(ofPosition: 10) == SQLScript.Location(line: 1, column: 9))
        let sqlite = SQLScript("SELECT a:x, 1:y, :zé", dialect: .sqlite).statements[0]
        #expect(sqlite.text == "SELECT a?1, 1?2, ?3é")
    }

    @Test func argumentsAreOrderedByPlaceholder() throws {
        let statement = SQLScript("SELECT :b, :a, :b", dialect: .sqlite).statements[0]
        #expect(try statement.arguments(["a": "A", "b": "B", "unused": "U"]) == ["B", "A"])
        #expect(throws: SQLScriptError.missingParameter(name: "a", line: 1)) {
            try statement.arguments(["b": "B"])
        }
    }

    @Test func aMissingParameterIsNamedWithItsLine() {
        let statement = SQLScript("\n\nSELECT :email", dialect: .postgres).statements[0]
        let error = #expect(throws: SQLScriptError.self) { try statement.arguments([:]) }
        #expect(
            error?.description == "The statement at line 3 uses the parameter :email, but no value was given for it."
        )
    }

    // MARK: Positions

    @Test func positionsMapToLinesAndColumnsOfTheFile() {
        let text = "-- header\n\nINSERT INTO t (a)\n  VALUES (:value,\n          nope)"
        let statement = SQLScript(text, dialect: .postgres).statements[0]
        #expect(statement.text == "INSERT INTO t (a)\n  VALUES ($1,\n          nope)")
        let sent = Array(statement.text.unicodeScalars)
        let position = sent.count - 4  // 1-based position of "nope"
        #expect(String(String.UnicodeScalarView(sent[(position - 1)...])) == "nope)")
        #expect(statement.location(ofPosition: position) == SQLScript.Location(line: 5, column: 11))
        #expect(statement.location(ofPosition: 1) == SQLScript.Location(line: 3, column: 1))
        #expect(statement.line(ofPosition: 20) == 4)
    }

    @Test func positionsAfterAPlaceholderAccountForTheLengthChange() {
        // ":email" (6 characters) became "$1" (2): every later position shifts by 4.
        let text = "  SELECT :email, nope"
        let statement = SQLScript(text, dialect: .postgres).statements[0]
        #expect(statement.text == "SELECT $1, nope")
        let position = 12  // "nope" in the sent text
        #expect(statement.location(ofPosition: position) == SQLScript.Location(line: 1, column: 18))
        // Inside the placeholder: the start of the name it replaced.
        #expect(statement.location(ofPosition: 9) == SQLScript.Location(line: 1, column: 10))
        #expect(statement.location(ofPosition: 8) == SQLScript.Location(line: 1, column: 10))
    }

    @Test func positionsCountCharactersNotBytes() {
        let text = "SELECT 'é😀', :p,\n nope"
        let statement = SQLScript(text, dialect: .sqlite).statements[0]
        #expect(statement.text == "SELECT 'é😀', ?1,\n nope")
        let position = 19  // "n" of "nope": 7 + 4 + 2 + 2 + 1 + 1 + 1 characters before it
        #expect(statement.location(ofPosition: position) == SQLScript.Location(line: 2, column: 2))
    }

    @Test func positionsOutsideTheTextAreClamped() {
        let statement = SQLScript("\nSELECT 1", dialect: .postgres).statements[0]
        #expect(statement.location(ofPosition: 0).line == 2)
        #expect(statement.location(ofPosition: 999) == SQLScript.Location(line: 2, column: 8))
    }

    // MARK: Hostile input

    @Test(
        "Unterminated quotes and comments run to the end of the text",
        arguments: [
            ("SELECT 'abc; SELECT 2", SQLDialect.postgres, "SELECT 'abc; SELECT 2"),
            ("SELECT \"abc; SELECT 2", .sqlite, "SELECT \"abc; SELECT 2"),
            ("SELECT /* abc; SELECT 2", .postgres, "SELECT"),
            ("SELECT /* /* */ abc; SELECT 2", .postgres, "SELECT"),
            ("SELECT $$ abc; SELECT 2", .postgres, "SELECT $$ abc; SELECT 2"),
            ("SELECT $t$ abc; $x$ SELECT 2", .postgres, "SELECT $t$ abc; $x$ SELECT 2"),
            ("SELECT E'\\", .postgres, "SELECT E'\\"),
            ("SELECT [a; b", .sqlite, "SELECT [a; b"),
            ("SELECT `a; b", .sqlite, "SELECT `a; b"),
            ("CREATE TRIGGER t BEGIN SELECT 1; SELECT 2;", .sqlite, "CREATE TRIGGER t BEGIN SELECT 1; SELECT 2;"),
            ("SELECT :", .postgres, "SELECT :"),
        ]
    )
    func unterminated(text: String, dialect: SQLDialect, statement: String) {
        let script = SQLScript(text, dialect: dialect)
        #expect(script.statements.map(\.originalText) == [statement])
    }

    @Test(.timeLimit(.minutes(1)))
    func randomInputNeverTrapsAndRewritesOnlyTheParameters() {
        let fragments = [
            "'", "''", "\"", "$", "$$", "$a$", "$1", "--", "/*", "*/", "\n", " ", ":", "::", ":x", ":name", ":=",
            ";", "E'", "e", "\\", "[", "]", "`", "(", ")", "begin", "end", "create", "trigger", "function", "case",
            "SELECT", "é", "😀", "\r\n", "\t", "0", "9", "_", "a",
        ]
        var generator = SplitMix64(seed: 0x5EED)
        for round in 0..<4000 {
            var text = ""
            if round % 4 == 0 {
                // Arbitrary bytes, repaired into a String the way any file read would be.
                let bytes = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                text = String(decoding: bytes, as: UTF8.self)
            } else {
                for _ in 0..<Int(generator.next() % 40) {
                    text += fragments[Int(generator.next() % UInt64(fragments.count))]
                }
            }
            for dialect in SQLDialect.allCases {
                let script = SQLScript(text, dialect: dialect)
                for statement in script.statements {
                    #expect(
                        undoRewrite(statement, dialect: dialect) == statement.originalText,
                        "\(text.debugDescription)"
                    )
                    let count = statement.text.unicodeScalars.count
                    for position in [1, count / 2, count] {
                        let location = statement.location(ofPosition: position)
                        #expect(location.line >= statement.firstTokenLine && location.column >= 1)
                    }
                }
            }
        }
    }

    /// Puts `:name` back where each placeholder is: must give the original text exactly, which shows nothing but
    /// parameters was rewritten and no value can be in the text.
    private func undoRewrite(_ statement: SQLScript.Statement, dialect: SQLDialect) -> String {
        let marker = dialect == .postgres ? "$" : "?"
        let placeholders = statement.parameterNames.indices.map { Array("\(marker)\($0 + 1)".unicodeScalars) }
        let names = statement.parameterNames.map { Array($0.unicodeScalars) }
        let text = Array(statement.text.unicodeScalars)
        let source = Array(statement.originalText.unicodeScalars)
        func isNameCharacter(_ scalar: Unicode.Scalar) -> Bool {
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)) || scalar == "_"
        }
        var original = String.UnicodeScalarView()
        var (i, j) = (0, 0)
        // Walk both texts together: where the original has ":name" the sent text must have its placeholder.
        outer: while j < source.count {
            if source[j] == ":" {
                for (index, name) in names.enumerated() {
                    let end = j + 1 + name.count
                    // A space the scanner put before or after a PostgreSQL placeholder, so it touches no identifier.
                    let start = dialect == .postgres && i < text.count && text[i] == " " ? i + 1 : i
                    guard end <= source.count, Array(source[(j + 1)..<end]) == name,
                        end == source.count || !isNameCharacter(source[end]),
                        start + placeholders[index].count <= text.count,
                        Array(text[start..<(start + placeholders[index].count)]) == placeholders[index]
                    else { continue }
                    original.append(contentsOf: source[j..<end])
                    j = end
                    i = start + placeholders[index].count
                    if dialect == .postgres, i < text.count, text[i] == " ", end < source.count, source[end] != " " {
                        i += 1
                    }
                    continue outer
                }
            }
            guard i < text.count, text[i] == source[j] else { return "<mismatch>" }
            original.append(source[j])
            i += 1
            j += 1
        }
        return i == text.count ? String(original) : "<longer>"
    }
}

/// A small deterministic generator, so a failure reproduces.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    fileprivate func trimmingSQLWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        // A trailing line comment is not part of the sent text.
        if let comment = text.firstRange(of: " --") { text = text[..<comment.lowerBound] }
        return String(text)
    }
}

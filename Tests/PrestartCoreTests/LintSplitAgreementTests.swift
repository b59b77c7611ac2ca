import PrestartDatabase
import PrestartLint
import Testing

/// Execution splits files with the hand-written `SQLScript` (it also serves SQLite and `:name` parameters, and costs
/// no parse on `up`); lint splits them with PostgreSQL's parser. Both must agree on where each statement starts, so
/// a run-time error and a lint finding point at the same line and column.
@Suite struct LintSplitAgreementTests {
    static let texts = [
        "SELECT 1;\nSELECT 2;",
        "-- header\n-- prestart:allow drop-table: gone\n\n  DROP TABLE legacy;\n/* block /* nested */ */ CREATE INDEX ix ON t (a);",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; SELECT 2; $$;\nSELECT f();",
        "CREATE FUNCTION g() RETURNS trigger LANGUAGE plpgsql AS $body$\nBEGIN\n  NEW.at := now();\n  RETURN NEW;\nEND\n$body$;\nSELECT 'a;b', E'c\\';d', \"we;ird\" FROM t;",
        "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); INSERT INTO log VALUES (2));\nSELECT 1;",
        "INSERT INTO t VALUES ('é'); SELECT 'ü';   UPDATE t SET a = 1;\n\n\n;;\nDELETE FROM t",
        "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); END;\nCALL p();",
    ]

    @Test(arguments: texts) func parserAndSplitterAgreeOnEveryStatementsFirstToken(_ text: String) {
        let script = SQLScript(text, dialect: .postgres)
        let lint = Linter(options: LintOptions()).lint(LintUnit(name: "t", file: "t.sql", text: text, transactional: false))
        #expect(lint.findings.filter { $0.rule == .syntaxError }.isEmpty, "\(lint.findings.map(\.text))")
        #expect(
            script.statements.map { "\($0.firstTokenLine):\($0.firstTokenColumn)" }
                == lint.statements.map { "\($0.line):\($0.column)" })
    }
}

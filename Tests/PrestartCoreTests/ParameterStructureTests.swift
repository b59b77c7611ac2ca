import Testing

@testable import PrestartCore
@testable import PrestartDatabase
@testable import PrestartSystem

/// Binding must never change a statement's structure. Inputs the parameter-lexer fuzzer
/// (Fuzz/Sources/FuzzSQLParameters) found, kept as plain tests.
@Suite struct ParameterStructureTests {
    /// `SELECT $1, :a` was sent as `SELECT $1, $1`: the file's own `$1` took the value of `:a`.
    @Test(arguments: ["SELECT $1, :a", "SELECT 1.$2 + :a", "SELECT :a;\nSELECT f($1, :b)"])
    func postgresPositionalParametersBesideNamedOnesAreRefused(text: String) throws {
        let script = SQLScript(text, dialect: .postgres)
        #expect(throws: DatabaseError.self) { try script.bound(["a": "x", "b": "y"]) }
        let statement = try #require(script.statements.last)
        #expect(throws: SQLScriptError.positionalParameter(statement.positionalParameters[0], line: statement.firstTokenLine)) {
            try statement.arguments(["a": "x", "b": "y"])
        }
    }

    @Test(arguments: ["SELECT '$1', $$ $1 $$, \"$1\", a$1, :a -- $1", "SELECT :a /* $1 */, E'\\'$1'", "SELECT $x$ $1 $x$, :a"])
    func dollarsInsideQuotesCommentsAndIdentifiersAreNotParameters(text: String) throws {
        let statement = try #require(SQLScript(text, dialect: .postgres).statements.first)
        #expect(statement.positionalParameters.isEmpty)
        #expect(try statement.arguments(["a": "x"]) == ["x"])
    }

    /// Without `:name` parameters the statement goes out as written: the server names a stray `$1` itself.
    @Test func aPositionalParameterAloneIsLeftToTheServer() throws {
        #expect(try SQLScript("SELECT $1", dialect: .postgres).bound([:]).map(\.sql) == ["SELECT $1"])
    }

    @Test func theConfigCheckRefusesTheMixWithFileLineAndKey() {
        let text = """
            [database]
            url = "postgresql://db/app"

            [steps.seed]
            kind = "sql"
            sql = \"\"\"
            INSERT INTO t VALUES (:a);
            INSERT INTO t VALUES ($1, :a);
            \"\"\"
            params = { a = "x" }
            """
        #expect {
            try ConfigLoader(environment: Environment([:])).load(text: text, file: "/srv/prestart.toml")
        } throws: { error in
            "\(error)"
                == "/srv/prestart.toml:6: steps.seed.sql: the SQL (prestart.toml:8) mixes :name parameters with $1, which would take the value of the first :name; write every parameter as :name"
        }
    }

    /// A number ends where the databases end it: `?1.CREATE` is a placeholder, `.` and a keyword, so the bound
    /// statement splits as the written one did.
    @Test(arguments: [("EXPLAIN:b.CREATE TRIGGER;", SQLDialect.sqlite), ("SELECT 1.:c, 2e5:d, 3e:f", .postgres)])
    func aBoundStatementReadsAgainAsOneStatement(text: String, dialect: SQLDialect) throws {
        for statement in SQLScript(text, dialect: dialect).statements {
            let again = SQLScript(statement.text, dialect: dialect).statements
            #expect(again.count == 1)
            #expect(again.first?.text == statement.text)
        }
    }
}

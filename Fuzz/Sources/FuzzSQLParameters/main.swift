// libFuzzer target: the SQL scanner that splits scripts and turns `:name` into the driver's placeholders.
// The first byte picks the dialect (even: PostgreSQL, odd: SQLite); the rest is the script.
//
// Holds for every input, or the run stops with the input saved:
// - scanning never traps or hangs, and every error position maps to a line of the statement;
// - only `:name` spans are rewritten: putting `:name` back in each placeholder gives the file's text;
// - each placeholder is one token to the server: PostgreSQL's lexer would not glue `$1` to a neighbouring
//   identifier, and SQLite's own parser, for every bound statement it accepts, sees `?1`…`?n` as its first n
//   parameters;
// - binding never changes the text: the statements sent are the same whatever the values, and the values go
//   out, in order, as parameters — a value can never become SQL; on PostgreSQL the text sent, read again, has
//   exactly the `$N` prestart wrote (a `$1` of the file's own would take the first value: binding refuses it), and
//   on SQLite a parameter SQLite reads besides them (`$x`, `@x`, `:é`) makes the driver refuse;
// - a bound statement read again is one statement with no `:name` left in it.
import CSQLite
import Glibc

@testable import PrestartDatabase
@testable import PrestartSystem

nonisolated(unsafe) let sqlite: OpaquePointer = {
    var database: OpaquePointer?
    guard sqlite3_open_v2(":memory:", &database, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let database else {
        fatalError("cannot open an in-memory SQLite database")
    }
    // Names the statements may refer to, so more of them prepare and reach the parameter check.
    sqlite3_exec(database, "CREATE TABLE t (a, b, c); CREATE TABLE users (id, email, password);", nil, nil, nil)
    return database
}()

func violated(_ property: String, _ input: String) -> Never {
    fatalError("\(property)\ninput: \(JSON.string(input).serialized())")
}

func isParameterName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
    return name.unicodeScalars.allSatisfy { $0.isASCII && $0 != "$" && gluesToPlaceholder($0) }
}

/// What PostgreSQL's lexer reads as part of an identifier or a number: `a$1` is one identifier.
func gluesToPlaceholder(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "A"..."Z", "a"..."z", "0"..."9", "_", "$": true
    default: scalar.value >= 0x80
    }
}

/// What may not follow `$1` for PostgreSQL's lexer (`ident_start`: `$1é` is "trailing junk after parameter").
func gluesAfterPlaceholder(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar {
    case "A"..."Z", "a"..."z", "_": true
    default: scalar.value >= 0x80
    }
}

func check(_ text: String, dialect: SQLDialect) {
    let script = SQLScript(text, dialect: dialect)
    var values: [String: String] = [:]
    for name in script.parameterNames { values[name] = "'); DROP TABLE users; -- $$ :\(name) ?1 $1" }
    let bound: [(sql: String, parameters: [String?])]
    do {
        bound = try script.bound(values)
    } catch {
        // The one refusal allowed: `:name` mixed with PostgreSQL's own `$1`, which would alias the first value.
        let mixes = script.statements.contains { !$0.parameterNames.isEmpty && !$0.positionalParameters.isEmpty }
        guard mixes, error.description.contains("has both :name parameters and $") else {
            violated("binding failed with every value given: \(error)", text)
        }
        return
    }
    let boundAgain = try? script.bound(values.mapValues { _ in "other" })
    guard bound.count == script.statements.count, boundAgain?.map(\.sql) == bound.map(\.sql) else {
        violated("the text sent depends on the values", text)
    }
    for (statement, sent) in zip(script.statements, bound) {
        guard sent.sql == statement.text, sent.parameters == statement.parameterNames.map({ values[$0] }) else {
            violated("the values do not go out as the statement's parameters, in order", text)
        }
        for name in statement.parameterNames where !isParameterName(name) {
            violated("a parameter name is not [A-Za-z_][A-Za-z0-9_]*: \(name)", text)
        }
        checkRewrites(statement, dialect: dialect, text)
        let again = SQLScript(statement.text, dialect: dialect)
        guard again.statements.count == 1, again.statements[0].text == statement.text,
            again.statements[0].parameterNames.isEmpty
        else { violated("a bound statement reads as \(again.statements.count) statements or has :name left", text) }
        if dialect == .postgres {
            // Read again, the text sent has exactly the `$N` prestart wrote, in order: no value goes anywhere else.
            let written = statement.rewrites.map { String(statement.text.unicodeScalars.dropFirst($0.sentStart).prefix($0.sentLength)).trimmingWhitespace() }
            let expected = statement.parameterNames.isEmpty ? statement.positionalParameters : written
            guard again.statements[0].positionalParameters == expected else {
                violated("the text sent has the parameters \(again.statements[0].positionalParameters), not \(expected)", text)
            }
        }
        let length = statement.text.unicodeScalars.count
        // Scalars, not Characters: "\r\n" is one Character.
        let lineCount = statement.originalText.unicodeScalars.filter { $0 == "\n" }.count + 1
        for position in [0, 1, length / 2, length, length + 3] {
            let line = statement.line(ofPosition: position)
            guard line >= statement.firstTokenLine, line < statement.firstTokenLine + max(1, lineCount) else {
                violated("position \(position) maps to line \(line), outside the statement", text)
            }
        }
        if dialect == .sqlite { checkSQLiteAgrees(statement, text) }
    }
}

/// Undoes every rewrite and checks that each placeholder stands alone.
func checkRewrites(_ statement: SQLScript.Statement, dialect: SQLDialect, _ input: String) {
    let sent = Array(statement.text.unicodeScalars)
    let original = Array(statement.originalText.unicodeScalars)
    var restored: [Unicode.Scalar] = []
    var copied = 0
    var originalCopied = 0
    for rewrite in statement.rewrites {
        guard rewrite.sentStart >= copied, rewrite.sentStart + rewrite.sentLength <= sent.count,
            rewrite.originalStart + rewrite.originalLength <= original.count,
            rewrite.sentStart - copied == rewrite.originalStart - originalCopied
        else { violated("a rewrite is out of place", input) }
        restored += sent[copied..<rewrite.sentStart]
        let placeholder = String(String.UnicodeScalarView(sent[rewrite.sentStart..<(rewrite.sentStart + rewrite.sentLength)]))
        let token = placeholder.trimmingWhitespace()
        let number = Int(token.dropFirst())
        guard token.first == (dialect == .postgres ? "$" : "?"), let number,
            statement.parameterNames.indices.contains(number - 1)
        else { violated("\"\(placeholder)\" is not a placeholder of this statement", input) }
        let name = statement.parameterNames[number - 1]
        let spelled = String(String.UnicodeScalarView(original[rewrite.originalStart..<(rewrite.originalStart + rewrite.originalLength)]))
        guard spelled == ":" + name else { violated("\(placeholder) replaced \"\(spelled)\", not :\(name)", input) }
        restored += spelled.unicodeScalars
        copied = rewrite.sentStart + rewrite.sentLength
        originalCopied = rewrite.originalStart + rewrite.originalLength
        if dialect == .postgres {
            let end = rewrite.sentStart + rewrite.sentLength
            if let before = rewrite.sentStart > 0 ? sent[rewrite.sentStart - 1] : nil, placeholder.first == "$",
                gluesToPlaceholder(before)
            {
                violated("\(placeholder) is glued to the \"\(before)\" before it: the server would not see a parameter", input)
            }
            if end < sent.count, placeholder.last != " ", gluesAfterPlaceholder(sent[end]) {
                violated("\(placeholder) is glued to the \"\(sent[end])\" after it", input)
            }
        }
    }
    restored += sent[copied...]
    guard String(String.UnicodeScalarView(restored)) == statement.originalText else {
        violated("the text sent differs from the file's outside the :name spans", input)
    }
}

/// SQLite's own parser: wherever it accepts a bound statement, `?1`…`?n` are its first n parameters.
func checkSQLiteAgrees(_ statement: SQLScript.Statement, _ input: String) {
    // prestart refuses to send a statement with a NUL (SQLite would stop reading there).
    guard !statement.text.utf8.contains(0) else { return }
    var prepared: OpaquePointer?
    guard sqlite3_prepare_v2(sqlite, statement.text, -1, &prepared, nil) == SQLITE_OK, let prepared else { return }
    defer { sqlite3_finalize(prepared) }
    let count = Int(sqlite3_bind_parameter_count(prepared))
    guard count >= statement.parameterNames.count else {
        violated("SQLite sees \(count) parameters where prestart wrote \(statement.parameterNames.count)", input)
    }
    for index in statement.parameterNames.indices {
        let name = sqlite3_bind_parameter_name(prepared, Int32(index + 1)).map { String(cString: $0) }
        // SQLite reads more than prestart's ?N as parameters (`$x`, `@x`, `:é`, `?`); the driver must then refuse.
        guard name == "?\(index + 1)" || SQLiteConnection.placeholderProblem(prepared) != nil else {
            violated("SQLite's parameter \(index + 1) is \(name ?? "unnamed"), not ?\(index + 1), and the driver would bind it", input)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let dialect: SQLDialect = data[0] & 1 == 0 ? .postgres : .sqlite
    check(String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self), dialect: dialect)
    return 0
}

// SwiftPM links an executable's own `main` (it renames the entry point and points `main` at it), which would
// shadow libFuzzer's; so this main hands control to libFuzzer's driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

_ = sqlite
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, testOneInput))

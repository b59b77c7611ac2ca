// libFuzzer target: the linter over any text a migration file may hold. The first byte picks whether the unit
// runs in a transaction (even: yes) and, with its next bit, whether a live catalog is given; the rest is the SQL.
//
// Holds for every input, or the run stops with the input saved:
// - linting never traps or hangs (libpg_query's errors, a parse tree too deep to read, comments that never close);
// - every finding and every statement points inside the text: line 1 … number of lines, column ≥ 1, statements
//   in order;
// - a finding's text starts with FILE:LINE:COL: RULE:, and an allow comment is either honoured or a finding.
import Glibc
import PrestartLint
import PrestartSystem

func violated(_ property: String, _ input: String) -> Never {
    fatalError("\(property)\ninput: \(JSON.string(input).serialized())")
}

let catalog = LintCatalog(
    serverVersion: 110000,
    tables: [
        LintCatalog.Table(name: TableName(schema: "public", name: "t"), estimatedRows: 2e6, pages: 9000, columns: ["a": "integer"]),
        LintCatalog.Table(name: TableName(schema: "public", name: "p"), estimatedRows: 10, pages: 1, partitioned: true,
                          partitionIndexes: [["a"], []]),
    ],
    functionVolatility: ["f": "v", "g": "i"])

func check(_ text: String, transactional: Bool, live: Bool) {
    let linter = Linter(options: LintOptions(), catalog: live ? catalog : nil)
    let report = linter.lint(LintUnit(name: "f", file: "f.sql", text: text, transactional: transactional))
    let lines = text.utf8.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    for finding in report.findings {
        guard (1...lines).contains(finding.line), finding.column >= 1 else {
            violated("finding at \(finding.line):\(finding.column) outside \(lines) lines: \(finding.text)", text)
        }
        guard finding.text.hasPrefix("f.sql:\(finding.line):\(finding.column): \(finding.rule.rawValue): ") else {
            violated("finding text \(finding.text)", text)
        }
    }
    var previous = (0, 0)
    for statement in report.statements {
        guard (1...lines).contains(statement.line), statement.column >= 1, (statement.line, statement.column) > previous else {
            violated("statement at \(statement.line):\(statement.column) after \(previous), \(lines) lines", text)
        }
        previous = (statement.line, statement.column)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    check(text, transactional: data[0] & 1 == 0, live: data[0] & 2 != 0)
    return 0
}

// SwiftPM links an executable's own `main`, which would shadow libFuzzer's; this main hands control to
// libFuzzer's driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, testOneInput))

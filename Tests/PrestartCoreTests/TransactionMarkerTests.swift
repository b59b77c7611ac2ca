import Testing

@testable import PrestartCore

/// A migration file opts out of its transaction with `-- prestart:no-transaction` as its first line, trimmed.
struct TransactionMarkerTests {
    @Test(arguments: [
        ("-- prestart:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n", true),
        ("  -- prestart:no-transaction \r\nCREATE INDEX CONCURRENTLY i ON t (c);\n", true),
        ("\t-- prestart:no-transaction", true),
        ("\u{00A0}-- prestart:no-transaction\n", true),
        ("-- prestart:no-transaction please\n", false),
        ("CREATE TABLE t (c int);\n-- prestart:no-transaction\n", false),
        ("-- prestart:no-transactions\n", false),
        ("-- prestart\n", false),
        ("-- prestart:no-transaction\u{00A0}\n", true),
        ("-- prestart:no-transaction\u{301}\n", false),
        ("-- prestart:no-transaction", true),
        ("", false),
    ])
    func onlyTheFirstLineTrimmedCounts(text: String, optsOut: Bool) {
        #expect(MigrationsStep.optsOutOfTheTransaction(Array(text.utf8)) == optsOut)
    }
}

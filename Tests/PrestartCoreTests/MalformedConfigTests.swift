import Testing

@testable import PrestartCore
@testable import PrestartDatabase
@testable import PrestartSystem

/// Inputs the config fuzzer (Fuzz/Sources/FuzzConfig) found, kept as plain tests: each once aborted prestart or
/// lost an error's line.
@Suite struct MalformedConfigTests {
    let file = "/etc/app/prestart.toml"

    func loadError(_ text: String) -> ConfigError? {
        do {
            _ = try ConfigLoader(environment: Environment([:])).load(text: text, file: file)
            return nil
        } catch {
            return error
        }
    }

    /// toml++ asserts (and aborts, also in release builds) on these; they must be config errors instead.
    @Test(arguments: [
        ("[^teps.http]\nkind = \"x\"\n", 1, 2, "a table header needs a name after '[' (e.g. [steps.seed]), not '^'"),
        ("[\n", 1, 2, "a table header needs a name after '[' (e.g. [steps.seed]), not the end of the line"),
        ("[steps.a]\nkind = \"command\"\n  [[ #x]]\n", 3, 6, "a table header needs a name after '[' (e.g. [steps.seed]), not '#'"),
        ("\u{FEFF}[^x]\n", 1, 2, "a table header needs a name after '[' (e.g. [steps.seed]), not '^'"),
        ("a = [}]\n", 1, 6, "expected a value or ']' in the array, not '}'"),
        ("a = [\n  1, # one\n  }\n", 3, 3, "expected a value or ']' in the array, not '}'"),
        ("a = { b = [1, }] }\n", 1, 15, "expected a value or ']' in the array, not '}'"),
        ("a = \"x\"\r\n[ = \"schema\"\r\n", 2, 3, "a table header needs a name after '[' (e.g. [steps.seed]), not '='"),
    ])
    func textTheTOMLParserWouldAbortOnIsAConfigError(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(loadError(text))
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.message == "invalid TOML: \(message)")
    }

    @Test(arguments: [
        "x = \"\"\"\n[^ inside a string\n\"\"\"\n",
        "x = '''\n[^ inside a literal string\n'''\n",
        "x = [\n  [+1],\n]\n",
        "x = [\n  \"}\", '}', # }\n]\n",
        "x = [{a = 1}, {}]\n",
    ])
    func validTOMLIsLeftToTheParser(text: String) throws {
        #expect(TOMLPrecheck.firstFinding(in: text) == nil)
        // The parser then reads it; the key is prestart's to reject.
        let error = try #require(loadError(text))
        #expect(error.message.hasPrefix("unknown key"), "\(error)")
    }

    /// The parser's own message for a string never closed is about the newline it meets ("unescaped control
    /// characters other than TAB"): say what is wrong, and point at where the string starts.
    @Test(arguments: [
        ("[steps.a]\nkind = \"command\"\nrun = [\"true]\n", 3, 8, "the \" that starts here is not closed on its line"),
        ("[steps.a]\ndescription = 'its\nkind = \"command\"\n", 2, 15, "the ' that starts here is not closed on its line"),
        ("a = \"x\"\nb = \"\"\"\nnever closed\n", 2, 5, "the \"\"\" that starts here is not closed before the end of the file"),
        ("[database]\nurl = \"sqlite:///x.db", 2, 7, "the \" that starts here is not closed on its line"),
    ])
    func anUnterminatedStringIsNamedWhereItStarts(text: String, line: Int, column: Int, message: String) throws {
        let error = try #require(loadError(text))
        #expect(error.line == line, "\(error)")
        #expect(error.column == column, "\(error)")
        #expect(error.message.hasPrefix("invalid TOML: unterminated string: \(message)"), "\(error)")
    }

    @Test func anErrorBeforeTheFindingIsReportedFirst() throws {
        let error = try #require(loadError("[steps.a]\nkind = = 1\n[^x]\n"))
        #expect(error.line == 2)
        #expect(error.message.hasPrefix("invalid TOML: Error while parsing value"), "\(error)")
    }

    /// A byte-order mark, or `'''` inside a one-line string, hid the lines of the keys after it; with Windows
    /// line ends every key was on line 1.
    @Test(arguments: [
        "\u{FEFF}[database]\nurl = \"sqlite:///x.db\"\n[steps.a]\nkind = \"command\"\nrun = [\"true\"]\ntimout = \"1s\"\n",
        "[database]\nurl = \"sqlite:///x'''y.db\"\n[steps.a]\nkind = \"command\"\nrun = [\"true\"]\ntimout = \"1s\"\n",
        "[database]\nurl = 'sqlite:///x\"\"\"y.db'\n[steps.a]\nkind = \"command\"\nrun = [\n  \"true\",\n]\ntimout = \"1s\"\n",
        "[steps.a]\r\nkind = \"command\"\r\nrun = [\"true\"]\r\ntimout = \"1s\"\r\n",
    ])
    func keysAfterQuotesAndAByteOrderMarkKeepTheirLines(text: String) throws {
        let error = try #require(loadError(text))
        #expect(error.key == "steps.a.timout")
        #expect(error.line == text.unicodeScalars.filter { $0 == "\n" }.count, "\(error)")
    }

    /// A combining mark right after a quote joins it into one Character: the key was not found on its line.
    @Test func aQuotedKeyStartingWithACombiningMarkKeepsItsLine() throws {
        let error = try #require(loadError("[steps.a]\nkind = \"command\"\nrun = [\"true\"]\n\"\u{363}x\" = 1\n"))
        #expect(error.key == "steps.a.\"\u{363}x\"")
        #expect(error.line == 4)
    }

    /// A quoted key is matched by what its escapes mean: `"ig\raain.py"` is the key with a carriage return in it.
    @Test(arguments: [
        ("# T\n\n[\"\u{FFFD}ig\\raain.py\"]\n", 3),
        ("[steps.a]\nkind = \"command\"\nrun = [\"true\"]\n\"a\\\"b\" = 1\n", 4),
        ("[steps.a]\nkind = \"command\"\nrun = [\"true\"]\n\"\\u0078\\t\" = 2\n", 4),
    ])
    func anEscapedQuotedKeyKeepsItsLine(text: String, line: Int) throws {
        let error = try #require(loadError(text))
        #expect(error.message.hasPrefix("unknown key"), "\(error)")
        #expect(error.line == line, "\(error)")
    }

    /// A key is printed as TOML would spell it, so it can be pasted back and no control character reaches the
    /// terminal.
    @Test func aKeyWithControlCharactersIsPrintedEscaped() throws {
        let error = try #require(loadError("[\"a\\rb\\u0007\\\"c\\\\\\u00e9\"]\n"))
        #expect(error.key == #""a\rb\u0007\"c\\é""#)
        #expect(error.line == 1)
    }
}

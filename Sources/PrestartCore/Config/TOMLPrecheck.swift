import PrestartDatabase
import PrestartSystem

/// Finds malformed TOML that TOMLKit's parser must not be given, and an escaped NUL in a string, which TOMLKit
/// would silently cut the value at.
///
/// - Important: toml++ 3 (inside TOMLKit 0.6) assumes, without checking, that a `[table]` header's name starts
///   with a key character and that an array element is not `}`. On `[^x]`, `[#x]`, a lone `[` at the start of a
///   line, or `x = [}]`, an `assert` aborts the process — in release builds too (SwiftPM does not define
///   `NDEBUG`) — where a config error with exit 78 was due. The fuzzer found both (Fuzz/README.md). This scan
///   runs before TOMLKit and reports them instead.
///
/// It follows TOML's lexical structure only as far as needed: strings, comments, and which `[`/`{` are open. On
/// a text whose earlier part is not valid TOML its view may differ from the parser's; the caller therefore
/// parses the lines before the finding's key-value pair or header first, and reports their own error if they
/// have one, as the parser would have.
enum TOMLPrecheck {
    struct Finding: Sendable, Equatable {
        var line: Int
        var column: Int
        var message: String
        /// Where the key-value pair or header that holds it begins: the text before that line is whole.
        var statementLine: Int
    }

    static func firstFinding(in text: String) -> Finding? {
        var scalars = Array(text.unicodeScalars)
        // The parser skips a byte-order mark.
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var scanner = Scanner(scalars: scalars)
        return scanner.run()
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        var line = 1
        var lineStart = 0
        /// The `[` (arrays) and `{` (inline tables) of values not yet closed: a line inside a multi-line array
        /// starts no header.
        var open: [Unicode.Scalar] = []
        /// In an array, right after its `[` or a `,`: where the parser reads an element.
        var expectingElement = false
        /// The line of the key-value pair or header being read.
        var statementLine = 1

        init(scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        var here: (line: Int, column: Int) { (line, index - lineStart + 1) }

        mutating func newline() {
            index += 1
            line += 1
            lineStart = index
        }

        mutating func skipBlanks() {
            while let scalar = peek(), scalar == " " || scalar == "\t" { index += 1 }
        }

        mutating func run() -> Finding? {
            while index < scalars.count {
                if open.isEmpty {
                    statementLine = line
                    skipBlanks()
                    if peek() == "[" {
                        if let finding = header() { return finding }
                        continue
                    }
                }
                if let finding = restOfLine() { return finding }
            }
            return nil
        }

        /// At a header's `[`: what the parser requires after `[` (or `[[`) and blanks. Then skips the line.
        mutating func header() -> Finding? {
            index += 1
            let hadBlanks = peek() == " " || peek() == "\t"
            skipBlanks()
            if peek() == "[", !hadBlanks {
                index += 1
                skipBlanks()
            }
            if let next = peek(), !Self.mayStartTableName(next) {
                return Finding(
                    line: here.line, column: here.column,
                    message: "a table header needs a name after '[' (e.g. [steps.seed]), not \(Self.describe(next))",
                    statementLine: statementLine)
            }
            while let scalar = peek(), scalar != "\n" {
                if scalar == "\"" || scalar == "'" {
                    if let finding = string(quote: scalar) { return finding }
                } else {
                    index += 1
                }
            }
            if peek() == "\n" { newline() }
            return nil
        }

        /// A bare-key character or a quote start a name; `]` and the end of the text get the parser's own error,
        /// and so does whitespace it does not allow.
        static func mayStartTableName(_ scalar: Unicode.Scalar) -> Bool {
            switch scalar {
            case "A"..."Z", "a"..."z", "0"..."9", "_", "-", "\"", "'", "]": true
            default: !scalar.isASCII && scalar.properties.isWhitespace
            }
        }

        static func describe(_ scalar: Unicode.Scalar) -> String {
            scalar == "\n" || scalar == "\r" ? "the end of the line" : "'\(scalar.escaped(asASCII: true))'"
        }

        /// Keys, values, strings and comments up to the end of the line, or past it while an array or inline
        /// table is open.
        mutating func restOfLine() -> Finding? {
            while let scalar = peek() {
                let elementExpected = expectingElement
                switch scalar {
                case "\n":
                    newline()
                    if open.isEmpty { return nil }
                    continue
                case " ", "\t", "\r":
                    index += 1
                    continue
                case "#":
                    while let next = peek(), next != "\n" { index += 1 }
                    continue
                default:
                    break
                }
                expectingElement = false
                switch scalar {
                case "}" where elementExpected:
                    return Finding(
                        line: here.line, column: here.column,
                        message: "expected a value or ']' in the array, not '}'", statementLine: statementLine)
                case "\"", "'":
                    if let finding = string(quote: scalar) { return finding }
                case "[", "{":
                    open.append(scalar)
                    index += 1
                    expectingElement = scalar == "["
                case "]", "}":
                    _ = open.popLast()
                    index += 1
                case ",":
                    index += 1
                    expectingElement = open.last == "["
                default:
                    index += 1
                }
            }
            return nil
        }

        /// A basic (`"`, with backslash escapes) or literal (`'`) string, single- or multi-line. Finds an escaped
        /// NUL (`\u0000`): TOMLKit hands strings over as C strings, which would silently end at it.
        mutating func string(quote: Unicode.Scalar) -> Finding? {
            let escapes = quote == "\""
            let start = here
            var finding: Finding?
            // The parser's own words for a string that is never closed are about the newline it then meets
            // ("unescaped control characters other than TAB"): say what is wrong and where the string starts.
            func unterminated(_ opening: String, _ wherePast: String) -> Finding {
                finding
                    ?? Finding(
                        line: start.line, column: start.column,
                        message: "unterminated string: the \(opening) that starts here is not closed \(wherePast)",
                        statementLine: statementLine)
            }
            func escape() {
                if finding == nil, isEscapedNul() {
                    finding = Finding(
                        line: here.line, column: here.column,
                        message: "a NUL character (\\u0000) cannot be read from a TOML string; TOMLKit would cut the value there",
                        statementLine: statementLine)
                }
            }
            if peek(1) == quote, peek(2) == quote {
                index += 3
                while let scalar = peek() {
                    if escapes, scalar == "\\" {
                        escape()
                        index += 1
                        if peek() == "\n" { newline() } else { index += 1 }
                    } else if scalar == quote, peek(1) == quote, peek(2) == quote {
                        index += 3
                        // Up to two more quotes belong to the content: `""""` ends with `"` inside.
                        var extra = 0
                        while extra < 2, peek() == quote {
                            index += 1
                            extra += 1
                        }
                        return finding
                    } else if scalar == "\n" {
                        newline()
                    } else {
                        index += 1
                    }
                }
                let opening = String(repeating: String(quote), count: 3)
                return unterminated(opening, "before the end of the file")
            }
            index += 1
            while let scalar = peek(), scalar != "\n" {
                if escapes, scalar == "\\" { escape() }
                index += 1
                if scalar == quote { return finding }
                if escapes, scalar == "\\", peek() != "\n", peek() != nil { index += 1 }
            }
            return unterminated(String(quote), "on its line (for several lines, use \(quote)\(quote)\(quote))")
        }

        /// At a backslash: `\u0000` or `\U00000000`.
        func isEscapedNul() -> Bool {
            let digits = peek(1) == "u" ? 4 : peek(1) == "U" ? 8 : 0
            guard digits > 0 else { return false }
            return (2..<(2 + digits)).allSatisfy { peek($0) == "0" }
        }
    }
}

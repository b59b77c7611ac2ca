import PrestartDatabase
import PrestartSystem

/// Python source as the tokens that reading a revision file needs: names, strings (decoded), numbers, operators,
/// and the end of each logical line. It knows what can hide a `revision = …` line or fake one: strings of every
/// form (prefixes, triple quotes, escapes, f-strings with nested quotes as Python 3.12 reads them), comments,
/// brackets (newlines inside them do not end a line), backslash line joins, and the indentation rules. Whatever
/// Python's own tokenizer would reject is a ``Failure``, and the caller treats the file as unreadable.
struct PythonTokenizer {
    struct Token: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            case name, string, number, op
            /// The end of a logical line.
            case newline
        }

        var kind: Kind
        /// A name, number or operator as written; a string's source text.
        var text: String
        var line: Int
        /// The indentation of the logical line the token belongs to: 0 is the module's top level.
        var indent: Int
        /// Strings only.
        var literal: StringLiteral?
        /// A name inside an f-string's replacement field: not part of the line's structure.
        var embedded = false
    }

    struct StringLiteral: Sendable, Equatable {
        enum Form: Sendable, Equatable { case text, bytes, formatted }
        var form: Form
        /// The decoded value of a plain string; nil for bytes, f-strings and escapes not decoded here (`\N{…}`).
        var value: String?
    }

    struct Failure: Error, Sendable, Equatable {
        var message: String
        var line: Int
    }

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var tokens: [Token] = []
    private var brackets: [UInt8] = []
    private var indent = 0

    private init(_ bytes: [UInt8]) {
        // Python skips a UTF-8 byte order mark.
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        self.bytes = Self.normalizingNewlines(body)
    }

    static func tokenize(_ source: [UInt8]) throws(Failure) -> [Token] {
        var tokenizer = PythonTokenizer(source)
        try tokenizer.run()
        return tokenizer.tokens
    }

    /// `\r\n` and `\r` become `\n`, as Python reads source in universal-newline mode.
    private static func normalizingNewlines(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.contains(13) else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == 13 {
                result.append(10)
                if index + 1 < bytes.count, bytes[index + 1] == 10 { index += 1 }
            } else {
                result.append(bytes[index])
            }
            index += 1
        }
        return result
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func fail(_ message: String) -> Failure {
        Failure(message: message, line: line)
    }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || byte == 0x5F || byte >= 0x80
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 0x30 && byte <= 0x39)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private mutating func run() throws(Failure) {
        var indents = [0]
        var alternateIndents = [0]
        var atLineStart = true
        while index < bytes.count {
            if atLineStart {
                // Indentation as Python measures it: tabs to the next multiple of 8, and again with tabs as 1, so
                // that a file mixing them ambiguously is refused as Python refuses it (TabError).
                var column = 0
                var alternate = 0
                while let byte = peek() {
                    if byte == 0x20 {
                        column += 1
                        alternate += 1
                    } else if byte == 0x09 {
                        column = (column / 8 + 1) * 8
                        alternate += 1
                    } else if byte == 0x0C {
                        column = 0
                        alternate = 0
                    } else {
                        break
                    }
                    index += 1
                }
                guard let byte = peek() else { break }
                if byte == 0x23 {  // a comment line
                    while let next = peek(), next != 0x0A { index += 1 }
                    continue
                }
                if byte == 0x0A {  // a blank line
                    index += 1
                    line += 1
                    continue
                }
                if column == indents.last! {
                    guard alternate == alternateIndents.last! else { throw fail("inconsistent use of tabs and spaces") }
                } else if column > indents.last! {
                    guard alternate > alternateIndents.last! else { throw fail("inconsistent use of tabs and spaces") }
                    indents.append(column)
                    alternateIndents.append(alternate)
                } else {
                    while indents.count > 1, column < indents.last! {
                        indents.removeLast()
                        alternateIndents.removeLast()
                    }
                    guard column == indents.last! else { throw fail("unindent does not match any outer level") }
                    guard alternate == alternateIndents.last! else { throw fail("inconsistent use of tabs and spaces") }
                }
                indent = column
                atLineStart = false
            }
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0C:
                index += 1
            case 0x0A:
                if brackets.isEmpty {
                    endLogicalLine()
                    atLineStart = true
                }
                index += 1
                line += 1
            case 0x23:
                while let next = peek(), next != 0x0A { index += 1 }
            case 0x5C:  // a backslash joins the next line
                guard peek(1) == 0x0A else { throw fail("unexpected character after line continuation") }
                index += 2
                line += 1
                if peek() == nil { throw fail("unexpected end of file after line continuation") }
            case 0x22, 0x27:
                try string(prefix: "")
            case _ where Self.isIdentifierStart(byte):
                let start = index
                while let next = peek(), Self.isIdentifierByte(next) { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if let next = peek(), next == 0x22 || next == 0x27 {
                    guard Self.isStringPrefix(word) else { throw fail("\(word) before a quote is not a string prefix") }
                    try string(prefix: word.lowercased())
                } else {
                    append(.name, word)
                }
            case _ where Self.isDigit(byte) || (byte == 0x2E && peek(1).map(Self.isDigit) == true):
                let start = index
                index += 1
                while let next = peek() {
                    if Self.isIdentifierByte(next) || next == 0x2E {
                        index += 1
                    } else if (next == 0x2B || next == 0x2D), bytes[index - 1] | 0x20 == 0x65,
                        !bytes[start..<index].contains(where: { $0 | 0x20 == 0x78 })
                    {
                        index += 1  // the sign of an exponent, 1e-5 (not in 0xe-5)
                    } else {
                        break
                    }
                }
                append(.number, String(decoding: bytes[start..<index], as: UTF8.self))
            case 0x28, 0x5B, 0x7B:
                brackets.append(byte)
                index += 1
                append(.op, String(UnicodeScalar(byte)))
            case 0x29, 0x5D, 0x7D:
                let opening: UInt8 = byte == 0x29 ? 0x28 : byte == 0x5D ? 0x5B : 0x7B
                guard brackets.last == opening else { throw fail("unmatched '\(UnicodeScalar(byte))'") }
                brackets.removeLast()
                index += 1
                append(.op, String(UnicodeScalar(byte)))
            default:
                try operatorToken()
            }
        }
        guard brackets.isEmpty else { throw fail("a bracket is never closed") }
        endLogicalLine()
    }

    private static let operators3: Set<String> = ["**=", "//=", ">>=", "<<=", "..."]
    private static let operators2: Set<String> = [
        "**", "//", ">>", "<<", "<=", ">=", "==", "!=", "->", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@=",
        ":=",
    ]
    private static let operators1: Set<UInt8> = Set("+-*/%&|^~<>=.,:;@".utf8)

    private mutating func operatorToken() throws(Failure) {
        for length in [3, 2] where index + length <= bytes.count {
            let text = String(decoding: bytes[index..<index + length], as: UTF8.self)
            if (length == 3 ? Self.operators3 : Self.operators2).contains(text) {
                index += length
                append(.op, text)
                return
            }
        }
        let byte = bytes[index]
        guard Self.operators1.contains(byte) else {
            throw fail(
                byte < 0x20 || byte == 0x7F ? "a control character (\(byte))" : "unexpected '\(UnicodeScalar(byte))'")
        }
        index += 1
        append(.op, String(UnicodeScalar(byte)))
    }

    private mutating func append(
        _ kind: Token.Kind, _ text: String, literal: StringLiteral? = nil, embedded: Bool = false
    ) {
        tokens.append(Token(kind: kind, text: text, line: line, indent: indent, literal: literal, embedded: embedded))
    }

    private mutating func endLogicalLine() {
        if let last = tokens.last, last.kind != .newline {
            append(.newline, "")
        }
    }

    static func isStringPrefix(_ word: String) -> Bool {
        let lower = word.lowercased()
        return ["r", "u", "b", "br", "rb", "f", "fr", "rf", "t", "tr", "rt"].contains(lower)
    }

    // MARK: Strings

    /// Scans a string starting at its opening quote; `prefix` is lowercased.
    private mutating func string(prefix: String) throws(Failure) {
        let startLine = line
        let start = index - prefix.utf8.count
        let raw = prefix.contains("r")
        let form: StringLiteral.Form =
            prefix.contains("b") ? .bytes : (prefix.contains("f") || prefix.contains("t")) ? .formatted : .text
        let quote = bytes[index]
        let triple = peek(1) == quote && peek(2) == quote
        index += triple ? 3 : 1
        var embedded: [Token] = []
        var decoded: [UInt8]? = []
        while true {
            guard let byte = peek() else {
                throw Failure(message: "a string is never closed", line: startLine)
            }
            if byte == quote && (!triple || (peek(1) == quote && peek(2) == quote)) {
                index += triple ? 3 : 1
                break
            }
            if byte == 0x0A {
                guard triple else { throw Failure(message: "a string is never closed", line: startLine) }
                line += 1
                decoded?.append(byte)
                index += 1
                continue
            }
            if byte == 0x5C {
                try escape(raw: raw, bytes: form == .bytes, into: &decoded)
                continue
            }
            if form == .formatted {
                if byte == 0x7B {
                    if peek(1) == 0x7B {
                        index += 2
                    } else {
                        index += 1
                        try replacementField(quote: quote, triple: triple, raw: raw, names: &embedded)
                    }
                    continue
                }
                if byte == 0x7D {
                    guard peek(1) == 0x7D else { throw fail("single '}' is not allowed in an f-string") }
                    index += 2
                    continue
                }
            }
            decoded?.append(byte)
            index += 1
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        let value = form == .text ? decoded.map { String(decoding: $0, as: UTF8.self) } : nil
        tokens.append(
            Token(
                kind: .string, text: text, line: startLine, indent: indent,
                literal: StringLiteral(form: form, value: value)))
        tokens.append(contentsOf: embedded)
    }

    /// A backslash in a string: decodes it into `decoded` (set to nil when the escape is not decoded here).
    private mutating func escape(raw: Bool, bytes isBytes: Bool, into decoded: inout [UInt8]?) throws(Failure) {
        guard let next = peek(1) else { throw fail("a string is never closed") }
        if next == 0x0A { line += 1 }
        if raw {
            // In a raw string the backslash stays, and only keeps the next character from closing the string.
            decoded?.append(0x5C)
            decoded?.append(next)
            index += 2
            return
        }
        index += 2
        switch next {
        case 0x0A: break
        case 0x5C, 0x27, 0x22: decoded?.append(next)
        case 0x61: decoded?.append(0x07)
        case 0x62: decoded?.append(0x08)
        case 0x66: decoded?.append(0x0C)
        case 0x6E: decoded?.append(0x0A)
        case 0x72: decoded?.append(0x0D)
        case 0x74: decoded?.append(0x09)
        case 0x76: decoded?.append(0x0B)
        case 0x30...0x37:
            var value = UInt32(next - 0x30)
            for _ in 0..<2 {
                guard let digit = peek(), (0x30...0x37).contains(digit) else { break }
                value = value * 8 + UInt32(digit - 0x30)
                index += 1
            }
            appendScalar(value, into: &decoded)
        case 0x78:
            appendScalar(try hexDigits(2), into: &decoded)
        case 0x75 where !isBytes:
            appendScalar(try hexDigits(4), into: &decoded)
        case 0x55 where !isBytes:
            appendScalar(try hexDigits(8), into: &decoded)
        case 0x4E where !isBytes:
            // \N{NAME} needs Unicode's name table: the value is left undecoded.
            guard peek() == 0x7B else { throw fail("malformed \\N character escape") }
            while let byte = peek(), byte != 0x7D {
                guard byte != 0x0A else { throw fail("malformed \\N character escape") }
                index += 1
            }
            index += 1
            decoded = nil
        default:
            // Python keeps an unknown escape as written (with a warning).
            decoded?.append(0x5C)
            decoded?.append(next)
        }
    }

    private mutating func hexDigits(_ count: Int) throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let byte = peek(), let digit = Self.hexValue(byte) else {
                throw fail("truncated \\x, \\u or \\U escape")
            }
            value = value &* 16 &+ UInt32(digit)
            index += 1
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }

    private func appendScalar(_ value: UInt32, into decoded: inout [UInt8]?) {
        guard let scalar = Unicode.Scalar(value) else {
            decoded = nil
            return
        }
        decoded?.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    /// The expression part of an f-string, after its `{`, up to and including the matching `}`. Nested strings
    /// may use the outer quote (Python 3.12). Names inside are collected: a replacement field is code.
    private mutating func replacementField(
        quote: UInt8, triple: Bool, raw: Bool, names: inout [Token]
    ) throws(Failure) {
        var depth = 0
        while true {
            guard let byte = peek() else { throw fail("an f-string's replacement field is never closed") }
            switch byte {
            case 0x0A:
                line += 1
                index += 1
            case 0x23:
                while let next = peek(), next != 0x0A { index += 1 }
            case 0x22, 0x27:
                let saved = tokens
                try string(prefix: "")
                names.append(contentsOf: tokens[saved.count...].filter { $0.kind == .name })
                tokens = saved
            case 0x28, 0x5B, 0x7B:
                depth += 1
                index += 1
            case 0x29, 0x5D:
                depth -= 1
                index += 1
            case 0x7D:
                index += 1
                if depth == 0 { return }
                depth -= 1
            case 0x3A where depth == 0:
                index += 1
                try formatSpec(quote: quote, triple: triple, raw: raw, names: &names)
                return
            case 0x5C:
                index += 2
            case _ where Self.isIdentifierStart(byte):
                let start = index
                while let next = peek(), Self.isIdentifierByte(next) { index += 1 }
                let word = String(decoding: bytes[start..<index], as: UTF8.self)
                if let next = peek(), next == 0x22 || next == 0x27, Self.isStringPrefix(word) {
                    let saved = tokens
                    try string(prefix: word.lowercased())
                    names.append(contentsOf: tokens[saved.count...].filter { $0.kind == .name })
                    tokens = saved
                } else {
                    names.append(
                        Token(kind: .name, text: word, line: line, indent: indent, literal: nil, embedded: true))
                }
            default:
                index += 1
            }
        }
    }

    /// A format spec after `:` in a replacement field: literal text with nested fields, up to the closing `}`.
    private mutating func formatSpec(quote: UInt8, triple: Bool, raw: Bool, names: inout [Token]) throws(Failure) {
        while true {
            guard let byte = peek() else { throw fail("an f-string's replacement field is never closed") }
            if byte == quote && (!triple || (peek(1) == quote && peek(2) == quote)) {
                throw fail("an f-string's replacement field is never closed")
            }
            switch byte {
            case 0x7D:
                index += 1
                return
            case 0x7B:
                index += 1
                try replacementField(quote: quote, triple: triple, raw: raw, names: &names)
            case 0x0A:
                guard triple else { throw fail("an f-string's replacement field is never closed") }
                line += 1
                index += 1
            case 0x5C where !raw:
                index += 2
            default:
                index += 1
            }
        }
    }
}

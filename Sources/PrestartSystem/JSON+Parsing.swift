extension JSON {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// Parses a JSON text (RFC 8259). Numbers without a fraction or exponent are kept as integers; others
    /// are rejected, since no document prestart reads has them.
    public static func parse(_ text: String) throws(ParseError) -> JSON {
        var parser = Parser(bytes: Array(text.utf8))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.error("text after the value") }
        return value
    }

    /// The member `key` of an object.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var integer: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }

    public var array: [JSON]? {
        if case .array(let values) = self { return values }
        return nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var index = 0
        var depth = 0

        func error(_ reason: String) -> ParseError { ParseError(offset: index, reason: reason) }

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value() throws(ParseError) -> JSON {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object()
            case UInt8(ascii: "["): return try array()
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default: return .int(try integer())
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
                throw error("expected \(word)")
            }
            index += expected.count
        }

        mutating func integer() throws(ParseError) -> Int64 {
            let start = index
            if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard let value = Int64(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw error("expected a value")
            }
            return value
        }

        mutating func nested<T>(_ body: (inout Parser) throws(ParseError) -> T) throws(ParseError) -> T {
            depth += 1
            guard depth < 512 else { throw error("nested too deeply") }
            defer { depth -= 1 }
            return try body(&self)
        }

        mutating func object() throws(ParseError) -> JSON {
            try nested { (parser: inout Parser) throws(ParseError) -> JSON in
                parser.index += 1
                var members: [(String, JSON)] = []
                parser.skipWhitespace()
                if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "}") {
                    parser.index += 1
                    return .object(members)
                }
                while true {
                    parser.skipWhitespace()
                    guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "\"") else {
                        throw parser.error("expected a key")
                    }
                    let key = try parser.string()
                    parser.skipWhitespace()
                    guard parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: ":") else {
                        throw parser.error("expected ':'")
                    }
                    parser.index += 1
                    members.append((key, try parser.value()))
                    parser.skipWhitespace()
                    guard parser.index < parser.bytes.count else { throw parser.error("unexpected end") }
                    if parser.bytes[parser.index] == UInt8(ascii: ",") {
                        parser.index += 1
                        continue
                    }
                    guard parser.bytes[parser.index] == UInt8(ascii: "}") else { throw parser.error("expected ',' or '}'") }
                    parser.index += 1
                    return .object(members)
                }
            }
        }

        mutating func array() throws(ParseError) -> JSON {
            try nested { (parser: inout Parser) throws(ParseError) -> JSON in
                parser.index += 1
                var values: [JSON] = []
                parser.skipWhitespace()
                if parser.index < parser.bytes.count, parser.bytes[parser.index] == UInt8(ascii: "]") {
                    parser.index += 1
                    return .array(values)
                }
                while true {
                    values.append(try parser.value())
                    parser.skipWhitespace()
                    guard parser.index < parser.bytes.count else { throw parser.error("unexpected end") }
                    if parser.bytes[parser.index] == UInt8(ascii: ",") {
                        parser.index += 1
                        continue
                    }
                    guard parser.bytes[parser.index] == UInt8(ascii: "]") else { throw parser.error("expected ',' or ']'") }
                    parser.index += 1
                    return .array(values)
                }
            }
        }

        mutating func string() throws(ParseError) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run = index
            func flush(_ parser: Parser, upTo end: Int) {
                scalars.append(contentsOf: String(decoding: parser.bytes[run..<end], as: UTF8.self).unicodeScalars)
            }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    flush(self, upTo: index)
                    index += 1
                    return String(scalars)
                }
                guard byte == UInt8(ascii: "\\") else {
                    index += 1
                    continue
                }
                flush(self, upTo: index)
                guard index + 1 < bytes.count else { break }
                let escape = bytes[index + 1]
                index += 2
                switch escape {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{8}")
                case UInt8(ascii: "f"): scalars.append("\u{C}")
                case UInt8(ascii: "u"):
                    guard index + 4 <= bytes.count,
                        let code = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
                    else { throw error("bad \\u escape") }
                    index += 4
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: scalars.append(Unicode.Scalar(escape))
                }
                run = index
            }
            throw error("unterminated string")
        }
    }
}

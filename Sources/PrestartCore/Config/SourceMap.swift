import PrestartDatabase
import PrestartSystem

/// Where each table header and key of a TOML text sits, so errors found after parsing can name a line.
/// TOML is line based: `[a.b]` headers open a section and `key =` / `a.b =` lines assign in it.
/// TOMLKit reports positions only for syntax errors, hence this small scan.
struct SourceMap: Sendable {
    private var lines: [[String]: Int] = [:]
    /// Keys whose string value opens on their line and continues on the next ones.
    private var multiline: Set<[String]> = []

    init(_ text: String) {
        // A byte-order mark (editors on Windows write one) is not part of the first line's key.
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        var section: [String] = []
        var value = ValueScan()
        // Split on scalars: with Windows line ends, "\r\n" is one Character and a split on "\n" finds no line.
        for (offset, scalars) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let number = offset + 1
            let rawLine = Substring(scalars)
            // The rest of a multi-line string or array: no key starts here.
            if value.continues {
                value.scan(rawLine)
                continue
            }
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.dropFirst(isArray ? 2 : 1)
                if let keys = Self.keyPath(inner, terminator: "]") {
                    section = keys.path
                    record(section, number)
                }
                continue
            }
            guard let keys = Self.keyPath(line, terminator: "=") else { continue }
            record(section + keys.path, number)
            value.scan(keys.rest)
            if value.delimiter != nil { multiline.insert(section + keys.path) }
        }
    }

    /// Reads values line by line far enough to know whether the next line continues one: inside a `"""` or `'''`
    /// string, or an array or inline table not yet closed. Quotes inside strings (`"a'''b"`) open nothing.
    private struct ValueScan {
        /// The quote of the multi-line string while inside one.
        var delimiter: Unicode.Scalar?
        var depth = 0

        var continues: Bool { delimiter != nil || depth > 0 }

        mutating func scan(_ line: Substring) {
            let scalars = Array(line.unicodeScalars)
            var index = 0
            if let quote = delimiter {
                guard let end = Self.end(of: quote, in: scalars, from: 0) else { return }
                delimiter = nil
                index = end
            }
            while index < scalars.count {
                let scalar = scalars[index]
                switch scalar {
                case "#":
                    return
                case "\"", "'":
                    if index + 2 < scalars.count, scalars[index + 1] == scalar, scalars[index + 2] == scalar {
                        guard let end = Self.end(of: scalar, in: scalars, from: index + 3) else {
                            delimiter = scalar
                            return
                        }
                        index = end
                    } else {
                        index += 1
                        while index < scalars.count {
                            let character = scalars[index]
                            index += 1
                            if character == scalar { break }
                            if scalar == "\"", character == "\\" { index += 1 }
                        }
                    }
                case "[", "{":
                    depth += 1
                    index += 1
                case "]", "}":
                    depth = max(0, depth - 1)
                    index += 1
                default:
                    index += 1
                }
            }
        }

        /// Just past the three quotes that close a multi-line string (with the up to two quotes before them that
        /// belong to its content), or nil when the line does not close it.
        static func end(of quote: Unicode.Scalar, in scalars: [Unicode.Scalar], from start: Int) -> Int? {
            var index = start
            while index < scalars.count {
                if quote == "\"", scalars[index] == "\\" {
                    index += 2
                    continue
                }
                if index + 2 < scalars.count, scalars[index] == quote, scalars[index + 1] == quote,
                    scalars[index + 2] == quote
                {
                    index += 3
                    var extra = 0
                    while extra < 2, index < scalars.count, scalars[index] == quote {
                        index += 1
                        extra += 1
                    }
                    return index
                }
                index += 1
            }
            return nil
        }
    }

    /// The first line that spells out `path`, or defines a table inside it implicitly (`[a.b]` defines `a`).
    private mutating func record(_ path: [String], _ number: Int) {
        for length in 1...path.count where lines[Array(path[..<length])] == nil {
            lines[Array(path[..<length])] = number
        }
    }

    func isMultiline(_ path: [String]) -> Bool {
        multiline.contains(path)
    }

    /// The line of `path`, or of its nearest enclosing key or table that the text spells out.
    func line(of path: [String]) -> Int? {
        var path = path
        while !path.isEmpty {
            if let line = lines[path] { return line }
            path.removeLast()
        }
        return nil
    }

    /// Parses `a."b c".d` up to `terminator`, returning the keys and the text after the terminator.
    /// Scalar by scalar: a combining mark after a quote (`"\u{363}…`) would join it into another Character.
    private static func keyPath(_ text: Substring, terminator: Unicode.Scalar) -> (path: [String], rest: Substring)? {
        let scalars = text.unicodeScalars
        var keys: [String] = []
        var index = scalars.startIndex
        func skipBlanks() {
            while index < scalars.endIndex, scalars[index] == " " || scalars[index] == "\t" {
                index = scalars.index(after: index)
            }
        }
        while true {
            skipBlanks()
            guard index < scalars.endIndex else { return nil }
            let first = scalars[index]
            if first == "\"" {
                guard let (key, end) = basicStringKey(scalars[scalars.index(after: index)...]) else { return nil }
                keys.append(key)
                index = end
            } else if first == "'" {
                let start = scalars.index(after: index)
                guard let end = scalars[start...].firstIndex(of: first) else { return nil }
                keys.append(String(scalars[start..<end]))
                index = scalars.index(after: end)
            } else {
                let start = index
                while index < scalars.endIndex, Self.isBareKeyScalar(scalars[index]) {
                    index = scalars.index(after: index)
                }
                guard start < index else { return nil }
                keys.append(String(scalars[start..<index]))
            }
            skipBlanks()
            guard index < scalars.endIndex else { return nil }
            if scalars[index] == "." {
                index = scalars.index(after: index)
                continue
            }
            guard scalars[index] == terminator else { return nil }
            return (keys, Substring(scalars[scalars.index(after: index)...]))
        }
    }

    /// Reads a `"…"` key from just after its opening quote, with its escapes decoded as the parser decodes them
    /// (`"a\"b"`, `"\u00e9"`): returns the key and the index past the closing quote, or nil when it does not close.
    private static func basicStringKey(
        _ scalars: Substring.UnicodeScalarView.SubSequence
    ) -> (key: String, end: Substring.UnicodeScalarView.Index)? {
        var key = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            switch scalar {
            case "\"":
                return (String(key), index)
            case "\\":
                guard index < scalars.endIndex else { return nil }
                let escape = scalars[index]
                index = scalars.index(after: index)
                switch escape {
                case "b": key.append("\u{8}")
                case "t": key.append("\t")
                case "n": key.append("\n")
                case "f": key.append("\u{C}")
                case "r": key.append("\r")
                case "\"", "\\": key.append(escape)
                case "u", "U":
                    let count = escape == "u" ? 4 : 8
                    guard let end = scalars.index(index, offsetBy: count, limitedBy: scalars.endIndex),
                        let value = UInt32(String(scalars[index..<end]), radix: 16),
                        let decoded = Unicode.Scalar(value)
                    else { return nil }
                    key.append(decoded)
                    index = end
                default:
                    return nil
                }
            default:
                key.append(scalar)
            }
        }
        return nil
    }

    private static func isBareKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "-", "_": true
        default: false
        }
    }
}

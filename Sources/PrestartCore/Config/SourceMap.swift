/// Where each table header and key of a TOML text sits, so errors found after parsing can name a line.
/// TOML is line based: `[a.b]` headers open a section and `key =` / `a.b =` lines assign in it.
/// TOMLKit reports positions only for syntax errors, hence this small scan.
struct SourceMap: Sendable {
    private var lines: [[String]: Int] = [:]
    /// Keys whose string value opens on their line and continues on the next ones.
    private var multiline: Set<[String]> = []

    init(_ text: String) {
        var section: [String] = []
        var multilineDelimiter: Substring?
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.drop { $0 == " " || $0 == "\t" }
            if let delimiter = multilineDelimiter {
                if line.components(of: delimiter) % 2 == 1 { multilineDelimiter = nil }
                continue
            }
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
            for delimiter in ["\"\"\"", "'''"] where keys.rest.components(of: Substring(delimiter)) % 2 == 1 {
                multilineDelimiter = Substring(delimiter)
                multiline.insert(section + keys.path)
            }
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
    private static func keyPath(_ text: Substring, terminator: Character) -> (path: [String], rest: Substring)? {
        var keys: [String] = []
        var index = text.startIndex
        func skipBlanks() {
            while index < text.endIndex, text[index] == " " || text[index] == "\t" { index = text.index(after: index) }
        }
        while true {
            skipBlanks()
            guard index < text.endIndex else { return nil }
            let first = text[index]
            if first == "\"" || first == "'" {
                let start = text.index(after: index)
                guard let end = text[start...].firstIndex(of: first) else { return nil }
                keys.append(String(text[start..<end]))
                index = text.index(after: end)
            } else {
                let start = index
                while index < text.endIndex,
                    text[index].isASCII && (text[index].isLetter || text[index].isNumber || "-_".contains(text[index]))
                {
                    index = text.index(after: index)
                }
                guard start < index else { return nil }
                keys.append(String(text[start..<index]))
            }
            skipBlanks()
            guard index < text.endIndex else { return nil }
            if text[index] == "." {
                index = text.index(after: index)
                continue
            }
            guard text[index] == terminator else { return nil }
            return (keys, text[text.index(after: index)...])
        }
    }
}

extension Substring {
    fileprivate func components(of delimiter: Substring) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.firstRange(of: delimiter) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}

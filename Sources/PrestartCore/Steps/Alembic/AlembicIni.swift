import PrestartDatabase
import PrestartSystem

/// `alembic.ini` read the way Python's `configparser.ConfigParser` reads it for Alembic: `[section]` headers,
/// `key = value` or `key: value` (keys lowercased), full-line `#` and `;` comments (a `#` after a value is part of
/// it), values continued on lines indented deeper than their key, `[DEFAULT]` visible in every section, and a
/// duplicate section or key refused. Interpolation: `%(here)s` (the file's folder) and `%%`; any other is
/// ``AlembicUnsure``, as is everything configparser would reject.
public struct AlembicIni: Sendable {
    public let file: String
    /// Raw values by section, then by lowercased key.
    private var sections: [String: [String: String]] = [:]
    private var defaults: [String: String] = [:]
    /// The line each key starts on, for messages.
    private var lines: [String: Int] = [:]

    public init(text: String, file: String) throws(AlembicUnsure) {
        self.file = file
        var current: String?
        var currentKey: String?
        var keyIndent = 0
        var pending: [String] = []
        var seenSections: Set<String> = []
        var seenKeys: Set<String> = []

        func store() {
            guard let section = current, let key = currentKey else { return }
            var value = pending.joined(separator: "\n")
            while value.last?.isWhitespace == true { value.removeLast() }
            if section == "DEFAULT" {
                defaults[key] = value
            } else {
                sections[section, default: [:]][key] = value
            }
        }

        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = rawLine.last == "\r" ? rawLine.dropLast() : rawLine
            let stripped = line.trimmingWhitespace()
            if stripped.hasPrefix("#") || stripped.hasPrefix(";") { continue }
            if stripped.isEmpty {
                if currentKey != nil { pending.append("") }
                continue
            }
            let indent = line.prefix { $0.isWhitespace }.count
            if currentKey != nil, indent > keyIndent {
                pending.append(stripped)
                continue
            }
            keyIndent = indent
            if stripped.hasPrefix("["), let close = stripped.lastIndex(of: "]"),
                close > stripped.index(after: stripped.startIndex)
            {
                store()
                currentKey = nil
                pending = []
                let name = String(stripped[stripped.index(after: stripped.startIndex)..<close])
                if name != "DEFAULT" {
                    guard seenSections.insert(name).inserted else {
                        throw AlembicUnsure("section [\(name)] appears twice", file: file, line: number)
                    }
                }
                current = name
                continue
            }
            guard let section = current else {
                throw AlembicUnsure("has a line before its first [section]", file: file, line: number)
            }
            guard let delimiter = stripped.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw AlembicUnsure(
                    "has a line that is neither a section, a key nor a comment", file: file, line: number)
            }
            store()
            let key = stripped[..<delimiter].trimmingWhitespace().lowercased()
            guard !key.isEmpty else { throw AlembicUnsure("has a value without a key", file: file, line: number) }
            guard seenKeys.insert(section + "\u{0}" + key).inserted else {
                throw AlembicUnsure("\(key) appears twice in [\(section)]", file: file, line: number)
            }
            currentKey = key
            pending = [stripped[stripped.index(after: delimiter)...].trimmingWhitespace()]
            lines[section + "\u{0}" + key] = number
        }
        store()
    }

    public func hasSection(_ name: String) -> Bool {
        sections[name] != nil
    }

    /// The raw value, from the section or `[DEFAULT]`.
    public func raw(_ key: String, in section: String) -> String? {
        sections[section]?[key] ?? defaults[key]
    }

    public func line(of key: String, in section: String) -> Int? {
        lines[section + "\u{0}" + key] ?? lines["DEFAULT\u{0}" + key]
    }

    /// The value as configparser's `get` returns it, with `%(here)s` as `here`.
    public func value(_ key: String, in section: String, here: String) throws(AlembicUnsure) -> String? {
        guard let raw = raw(key, in: section) else { return nil }
        let unsure = { (reason: String) in AlembicUnsure(reason, file: file, line: line(of: key, in: section)) }
        if here.contains("%") { throw unsure("its folder's path contains %, which configparser cannot interpolate") }
        var result = ""
        var rest = raw[...]
        while let percent = rest.firstIndex(of: "%") {
            result += rest[..<percent]
            rest = rest[rest.index(after: percent)...]
            if rest.first == "%" {
                result += "%"
                rest = rest.dropFirst()
            } else if rest.first == "(", let close = rest.firstIndex(of: ")"),
                rest[rest.index(after: close)...].first == "s"
            {
                let name = rest[rest.index(after: rest.startIndex)..<close].lowercased()
                guard name == "here" else {
                    throw unsure("\(key) interpolates %(\(name))s; prestart knows only %(here)s")
                }
                if sections[section]?["here"] != nil || defaults["here"] != nil {
                    throw unsure("defines `here`, which replaces the folder %(here)s stands for")
                }
                result += here
                rest = rest[rest.index(close, offsetBy: 2)...]
            } else {
                throw unsure("\(key) has a % that is not %(here)s or %%")
            }
        }
        return result + rest
    }
}

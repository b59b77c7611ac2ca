import PrestartSystem
import TOMLKit

/// Typed, interpolated access to one TOML table, with errors that carry the dotted key and its line.
struct TableReader {
    let table: TOMLTable
    let path: [String]
    let context: ConfigSource

    func error(key: String? = nil, _ message: String) -> ConfigError {
        let fullPath = key.map { path + [$0] } ?? path
        return ConfigError(
            file: context.file, line: context.sourceMap.line(of: fullPath), key: Self.dotted(fullPath),
            message: message)
    }

    static func dotted(_ path: [String]) -> String {
        // Quoted and escaped unless a TOML bare key (ASCII letters, digits, - and _), so the key can be pasted
        // back, and a control character in it cannot garble the terminal it is printed on. A JSON string is a
        // TOML basic string for every escape JSON writes.
        path.map { isBare($0) ? $0 : JSON.string($0).serialized() }.joined(separator: ".")
    }

    private static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            let known = allowed.sorted().joined(separator: ", ")
            throw error(key: key, "unknown key (expected one of: \(known))")
        }
    }

    private func value(_ key: String, _ expected: TOMLType, _ noun: String) throws(ConfigError) -> (any TOMLValueConvertible)? {
        guard let value = table[key] else { return nil }
        guard value.type == expected else { throw error(key: key, "must be \(noun), not \(Self.noun(value.type))") }
        return value
    }

    func table(_ key: String) throws(ConfigError) -> TableReader? {
        try value(key, .table, "a table").map { TableReader(table: $0.table!, path: path + [key], context: context) }
    }

    func string(_ key: String) throws(ConfigError) -> String? {
        guard let raw = try value(key, .string, "a string")?.string else { return nil }
        return try expand(raw, key: key)
    }

    func path(_ key: String) throws(ConfigError) -> String? {
        try string(key).map { Path.resolve($0, against: context.directory) }
    }

    func bool(_ key: String) throws(ConfigError) -> Bool? {
        try value(key, .bool, "true or false")?.bool
    }

    func int(_ key: String) throws(ConfigError) -> Int? {
        try value(key, .int, "an integer")?.int
    }

    func duration(_ key: String) throws(ConfigError) -> Duration? {
        if let raw = table[key], raw.type == .int || raw.type == .double {
            throw error(key: key, "needs a unit: write \"\(raw)s\" for seconds, or ms, m, h")
        }
        guard let text = unlessUnset(try string(key), key: key) else { return nil }
        guard let duration = DurationText.parse(text), duration > .zero else {
            throw error(key: key, "\"\(text)\" is not a duration (examples: \"500ms\", \"30s\", \"5m\", \"1h\")")
        }
        return duration
    }

    func backoff(_ key: String) throws(ConfigError) -> Backoff? {
        guard let text = unlessUnset(try string(key), key: key) else { return nil }
        guard let backoff = Backoff.parse(text) else {
            throw error(key: key, "\"\(text)\" is not an interval (examples: \"50ms..1s\", \"1s\")")
        }
        return backoff
    }

    func strings(_ key: String) throws(ConfigError) -> [String]? {
        guard let array = try value(key, .array, "an array of strings")?.array else { return nil }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.string else {
                throw error(key: key, "must be an array of strings; item \(index + 1) is \(Self.noun(element.type))")
            }
            result.append(try expand(text, key: key))
        }
        return result
    }

    /// A table of scalars (`env`, `params`, `settings`), in key order, values as text.
    func stringTable(_ key: String) throws(ConfigError) -> [(String, String)]? {
        guard let inner = try table(key) else { return nil }
        var result: [(String, String)] = []
        for name in inner.table.keys.sorted() {
            let element = inner.table[name]!
            switch element.type {
            case .string: result.append((name, try inner.expand(element.string!, key: name)))
            case .int: result.append((name, String(element.int!)))
            case .bool: result.append((name, String(element.bool!)))
            case .double: result.append((name, String(element.double!)))
            default: throw inner.error(key: name, "must be a string, number or boolean, not \(Self.noun(element.type))")
            }
        }
        return result
    }

    /// `text` interpolated. For a command that does not use the value (``ConfigSource/toleratesUnset(at:)``), an
    /// unset variable is recorded as a warning and shown as ``Interpolator/placeholder(_:)``; otherwise it is an
    /// error with the file, line and key.
    func expand(_ text: String, key: String) throws(ConfigError) -> String {
        do {
            guard context.toleratesUnset(at: path + [key]) else { return try context.interpolator.expand(text) }
            let (expanded, missing) = try context.interpolator.expandTolerating(text)
            for failure in missing { context.unset.append(error(key: key, failure.description)) }
            return expanded
        } catch {
            throw self.error(key: key, error.description)
        }
    }

    /// A value that needs a set variable to mean anything (a duration, an interval): nil, the key's default, when a
    /// command that does not use it found it unset.
    private func unlessUnset(_ text: String?, key: String) -> String? {
        guard let text, context.toleratesUnset(at: path + [key]), Interpolator.containsPlaceholder(text) else {
            return text
        }
        return nil
    }

    static func noun(_ type: TOMLType) -> String {
        switch type {
        case .table: "a table"
        case .array: "an array"
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .date, .time, .dateTime: "a date or time"
        }
    }
}

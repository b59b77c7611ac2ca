import PrestartSystem

/// goose's `-- +goose ENVSUB ON` substitution (mfridman/interpolate): `$NAME`, `${NAME}`, `${NAME:-default}`,
/// `${NAME-default}`, `${NAME:?message}`, `${NAME?message}`, and `$$` for a `$`. An unset variable without a default
/// becomes empty, as there. Substrings (`${NAME:1:2}`) and expansions inside a default are refused rather than read
/// differently.
enum Envsub {
    struct Failure: Error, Equatable {
        var message: String
    }

    /// Checks the syntax without an environment: config time.
    static func validate(_ line: String) throws(Failure) {
        _ = try expand(line, environment: nil)
    }

    /// `environment` nil only validates (every variable reads as set to "x").
    static func expand(_ line: String, environment: Environment?) throws(Failure) -> String {
        let chars = Array(line.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        func isNameStart(_ c: Unicode.Scalar) -> Bool { c == "_" || (c.isASCII && c.properties.isAlphabetic) }
        func isName(_ c: Unicode.Scalar) -> Bool { isNameStart(c) || ("0"..."9").contains(c) }
        func value(_ name: String) -> String? { environment == nil ? "x" : environment![name] }
        while index < chars.count {
            let c = chars[index]
            guard c == "$", index + 1 < chars.count else {
                output.append(c)
                index += 1
                continue
            }
            let next = chars[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
            } else if isNameStart(next) {
                var end = index + 1
                while end < chars.count, isName(chars[end]) { end += 1 }
                output.append(contentsOf: (value(String(String.UnicodeScalarView(chars[(index + 1)..<end]))) ?? "").unicodeScalars)
                index = end
            } else if next == "{" {
                guard let close = chars[(index + 2)...].firstIndex(of: "}") else {
                    throw Failure(message: "'${' without a closing '}'")
                }
                let inner = String(String.UnicodeScalarView(chars[(index + 2)..<close]))
                output.append(contentsOf: try expand(expression: inner, value: value).unicodeScalars)
                index = close + 1
            } else {
                output.append(c)
                index += 1
            }
        }
        return String(output)
    }

    private static func expand(expression: String, value: (String) -> String?) throws(Failure) -> String {
        let name = expression.prefix { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }
        guard let first = name.first, !first.isNumber else {
            throw Failure(message: "'${\(expression)}' is not a variable")
        }
        let rest = expression.dropFirst(name.count)
        let current = value(String(name))
        if rest.isEmpty { return current ?? "" }
        if rest.contains("$") { throw Failure(message: "'${\(expression)}': prestart does not expand inside a default") }
        for (op, emptyCounts) in [(":-", true), ("-", false)] where rest.hasPrefix(op) {
            let fallback = String(rest.dropFirst(op.count))
            guard let current, !(emptyCounts && current.isEmpty) else { return fallback }
            return current
        }
        for (op, emptyCounts) in [(":?", true), ("?", false)] where rest.hasPrefix(op) {
            guard let current, !(emptyCounts && current.isEmpty) else {
                throw Failure(message: "\(name) is not set: \(rest.dropFirst(op.count))")
            }
            return current
        }
        throw Failure(message: "'${\(expression)}' is a form prestart does not support (substrings)")
    }
}

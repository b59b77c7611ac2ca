import PrestartDatabase
public import PrestartSystem

/// Expands `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}` and
/// `${file:PATH}` in config values, with Docker Compose's meaning: `:-` and `:?` treat an empty variable
/// like an unset one, and defaults may nest (`${DATABASE_URL:-postgresql://${USER}@db/app}`).
/// `$${` writes a literal `${`; any other `$` (SQL's `$$` bodies, `$1`) is left alone.
public struct Interpolator: Sendable {
    public var environment: Environment
    /// Where a relative `${file:PATH}` is found.
    public var directory: String

    public init(environment: Environment, directory: String) {
        self.environment = environment
        self.directory = directory
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unset(variable: String)
        case notUTF8(variable: String)
        case required(variable: String, message: String)
        case unreadableFile(path: String, reason: String)
        case malformed(String)

        public var description: String {
            switch self {
            case .unset(let variable):
                "environment variable \(variable) is not set; set it or give a default with ${\(variable):-value}"
            case .notUTF8(let variable):
                "environment variable \(variable) is not valid UTF-8, so its bytes cannot be used as they are; set it as UTF-8"
            case .required(let variable, let message):
                "environment variable \(variable) is required: \(message)"
            case .unreadableFile(let path, let reason):
                "cannot read the file of ${file:\(path)}: \(reason)"
            case .malformed(let reason):
                reason
            }
        }
    }

    public func expand(_ text: String) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var missing: [Failure]? = nil
        return try expand(Array(text.unicodeScalars)[...], missing: &missing)
    }

    /// Expands `text` for a command that does not need the value: each variable that is unset (or required, or a
    /// `${file:PATH}` that cannot be read) becomes ``placeholder(_:)`` and is returned as a failure, instead of
    /// stopping. A malformed `${` is still thrown: that is the file's mistake, not the environment's.
    public func expandTolerating(_ text: String) throws(Failure) -> (text: String, missing: [Failure]) {
        guard text.contains("$") else { return (text, []) }
        var missing: [Failure]? = []
        let expanded = try expand(Array(text.unicodeScalars)[...], missing: &missing)
        return (expanded, missing ?? [])
    }

    /// What stands for a value that is not set, where a read-only command shows it: `<unset ADMIN_PASSWORD>`.
    public static func placeholder(_ name: String) -> String { "\(placeholderPrefix)\(name)>" }

    static let placeholderPrefix = "<unset "

    /// Whether `text` holds a value that was not set (only ``expandTolerating(_:)`` writes one).
    public static func containsPlaceholder(_ text: String) -> Bool { text.contains(placeholderPrefix) }

    private func expand(_ scalars: ArraySlice<Unicode.Scalar>, missing: inout [Failure]?) throws(Failure) -> String {
        var output = String.UnicodeScalarView()
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            guard scalar == "$" else {
                output.append(scalar)
                index += 1
                continue
            }
            if index + 2 < scalars.endIndex, scalars[index + 1] == "$", scalars[index + 2] == "{" {
                output.append(contentsOf: "${".unicodeScalars)
                index += 3
                continue
            }
            guard index + 1 < scalars.endIndex, scalars[index + 1] == "{" else {
                output.append(scalar)
                index += 1
                continue
            }
            let close = try closingBrace(in: scalars, from: index + 2)
            output.append(contentsOf: try evaluate(scalars[(index + 2)..<close], missing: &missing).unicodeScalars)
            index = close + 1
        }
        return String(output)
    }

    /// The `}` that closes the `${` whose body starts at `start`, skipping nested `${…}`.
    private func closingBrace(in scalars: ArraySlice<Unicode.Scalar>, from start: Int) throws(Failure) -> Int {
        var depth = 0
        var index = start
        while index < scalars.endIndex {
            switch scalars[index] {
            case "$" where index + 1 < scalars.endIndex && scalars[index + 1] == "{":
                depth += 1
                index += 1
            case "}":
                if depth == 0 { return index }
                depth -= 1
            default:
                break
            }
            index += 1
        }
        throw .malformed("unclosed ${ in \"\(String(String.UnicodeScalarView(scalars[(start - 2)...])))\"")
    }

    /// One `${…}`; with `missing`, a value that is not there is recorded and stood in for instead of thrown.
    private func evaluate(_ body: ArraySlice<Unicode.Scalar>, missing: inout [Failure]?) throws(Failure) -> String {
        do throws(Failure) {
            return try value(of: body, missing: &missing)
        } catch {
            let name: String
            switch error {
            case .unset(let variable), .required(let variable, _): name = variable
            case .unreadableFile(let path, _): name = "file:" + path
            case .notUTF8, .malformed: throw error
            }
            guard missing != nil else { throw error }
            missing!.append(error)
            return Self.placeholder(name)
        }
    }

    private func value(of body: ArraySlice<Unicode.Scalar>, missing: inout [Failure]?) throws(Failure) -> String {
        let text = String(String.UnicodeScalarView(body))
        if text.hasPrefix("file:") {
            let path = Path.resolve(String(text.dropFirst(5)), against: directory)
            do {
                var content = try FileSystem.readUTF8Text(atPath: path)
                // Secrets files usually end with a newline that is not part of the secret.
                while content.hasSuffix("\n") || content.hasSuffix("\r") { content.removeLast() }
                return content
            } catch {
                throw .unreadableFile(path: path, reason: error.description)
            }
        }
        var nameEnd = body.startIndex
        while nameEnd < body.endIndex, Self.isNameScalar(body[nameEnd], first: nameEnd == body.startIndex) {
            nameEnd += 1
        }
        let name = String(String.UnicodeScalarView(body[body.startIndex..<nameEnd]))
        guard !name.isEmpty else {
            throw .malformed("\"${\(text)}\" does not start with a variable name (letters, digits, _)")
        }
        let value = environment[name]
        if value != nil, environment.notUTF8.contains(name) { throw .notUTF8(variable: name) }
        if nameEnd == body.endIndex {
            guard let value else { throw .unset(variable: name) }
            return value
        }
        var operatorEnd = nameEnd
        let colon = body[operatorEnd] == ":"
        if colon { operatorEnd += 1 }
        guard operatorEnd < body.endIndex, body[operatorEnd] == "-" || body[operatorEnd] == "?" else {
            throw .malformed("\"${\(text)}\" is not one of ${VAR}, ${VAR:-default}, ${VAR:?message}, ${file:PATH}")
        }
        let isDefault = body[operatorEnd] == "-"
        let word = body[(operatorEnd + 1)...]
        let isMissing = value == nil || (colon && value!.isEmpty)
        guard isMissing else { return value! }
        if isDefault { return try expand(word, missing: &missing) }
        let message = String(String.UnicodeScalarView(word))
        throw .required(variable: name, message: message.isEmpty ? "it is not set" : message)
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "_": true
        case "0"..."9": !first
        default: false
        }
    }
}

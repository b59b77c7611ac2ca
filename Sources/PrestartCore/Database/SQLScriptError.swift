/// A statement uses a parameter that was given no value.
public enum SQLScriptError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingParameter(name: String, line: Int)

    public var description: String {
        switch self {
        case .missingParameter(let name, let line):
            "The statement at line \(line) uses the parameter :\(name), but no value was given for it."
        }
    }
}

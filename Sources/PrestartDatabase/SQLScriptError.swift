/// A statement's parameters cannot be bound: one was given no value, or it mixes `:name` with PostgreSQL's `$1`.
public enum SQLScriptError: Error, Sendable, Hashable, CustomStringConvertible {
    case missingParameter(name: String, line: Int)
    case positionalParameter(String, line: Int)

    public var description: String {
        switch self {
        case .missingParameter(let name, let line):
            "The statement at line \(line) uses the parameter :\(name), but no value was given for it."
        case .positionalParameter(let positional, let line):
            """
            The statement at line \(line) has both :name parameters and \(positional), which would take the value of \
            the first :name; write every parameter as :name.
            """
        }
    }
}

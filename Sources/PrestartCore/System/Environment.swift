import Glibc

/// The process environment as a value, so configuration and tests can substitute their own.
public struct Environment: Sendable {
    public var variables: [String: String]
    /// Variables whose value was not UTF-8 when read: ``variables`` holds them with U+FFFD in place of the bad
    /// bytes, so interpolation refuses them rather than store changed bytes.
    public private(set) var notUTF8: Set<String> = []

    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// A snapshot of this process's environment.
    public static var current: Environment {
        var environment = Environment([:])
        var pointer = environ
        while let entry = pointer.pointee {
            let valid = String(validatingCString: entry)
            let text = valid ?? String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                let name = String(text[..<equals])
                environment.variables[name] = String(text[text.index(after: equals)...])
                if valid == nil { environment.notUTF8.insert(name) }
            }
            pointer += 1
        }
        return environment
    }

    public subscript(name: String) -> String? {
        get { variables[name] }
        set {
            variables[name] = newValue
            notUTF8.remove(name)
        }
    }

    /// `NAME=value` strings for `execve` and `posix_spawn`, sorted so children see a stable order.
    public var entries: [String] {
        variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    }
}

import Glibc

/// The process environment as a value, so configuration and tests can substitute their own.
public struct Environment: Sendable {
    public private(set) var variables: [String: String]
    /// Variables whose value was not UTF-8 when read: ``variables`` holds them with U+FFFD in place of the bad
    /// bytes, so interpolation refuses them rather than store changed bytes.
    public private(set) var notUTF8: Set<String> = []
    /// The values of ``notUTF8`` as read, which children get unchanged.
    private var rawValues: [String: [UInt8]] = [:]

    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// A snapshot of this process's environment.
    public static var current: Environment {
        var environment = Environment([:])
        var pointer = environ
        while let entry = pointer.pointee {
            let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                let name = String(decoding: bytes[..<equals], as: UTF8.self)
                let value = bytes[(equals + 1)...]
                if let text = String(validating: value, as: UTF8.self) {
                    environment.variables[name] = text
                } else {
                    environment.variables[name] = String(decoding: value, as: UTF8.self)
                    environment.notUTF8.insert(name)
                    environment.rawValues[name] = Array(value)
                }
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
            rawValues[name] = nil
        }
    }

    /// `NAME=value` strings for `execve` and `posix_spawn`, sorted so children see a stable order; a value that
    /// was not UTF-8 is passed on as it was read.
    func withEntries<R>(_ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let entries = variables.sorted { $0.key < $1.key }.map { name, value in
            Array("\(name)=".utf8) + (rawValues[name] ?? Array(value.utf8))
        }
        return CStrings.withArray(entries, body)
    }
}

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
            pointer += 1
            let bytes = UnsafeBufferPointer(
                start: UnsafeRawPointer(entry).assumingMemoryBound(to: UInt8.self), count: strlen(entry))
            guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { continue }
            let name = String(decoding: bytes[..<equals], as: UTF8.self)
            let value = bytes[(equals + 1)...]
            // A name given twice: the first counts, as `getenv` reads it.
            guard environment.variables[name] == nil else { continue }
            if name == DispatchLog.variable && DispatchLog.isOwnSetting { continue }
            if let text = String(validating: value, as: UTF8.self) {
                environment.variables[name] = text
            } else {
                environment.variables[name] = String(decoding: value, as: UTF8.self)
                environment.notUTF8.insert(name)
                environment.rawValues[name] = Array(value)
            }
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

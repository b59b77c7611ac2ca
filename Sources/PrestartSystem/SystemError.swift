import Glibc

/// A failed system call, with the call's purpose in words and `strerror`'s text.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var errno: Int32

    /// Captures the current `errno`; call it right after the failed call.
    public init(_ operation: String) {
        self.init(operation, errno: Glibc.errno)
    }

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var description: String {
        "\(operation): \(String(cString: strerror(errno)))"
    }
}

import PrestartDatabase
import PrestartSystem

/// A command line that cannot be carried out as asked (exit 64), e.g. a step name that does not exist.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

import PrestartSystem

/// A folder that does not read the way its tool would read it.
public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file at fault, inside the folder.
    public var file: String
    public var message: String

    public init(file: String, _ message: String) {
        self.file = file
        self.message = message
    }

    public var description: String { "\(file): \(message)" }
}

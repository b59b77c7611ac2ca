import PrestartSystem

/// What reading a folder in a tool's format gives: the migrations in the tool's order, and the files the tool
/// itself would ignore (`prestart check` lists them).
public struct ToolFolder: Sendable, Equatable {
    public var migrations: [ToolMigration]
    public var ignored: [String]

    public init(migrations: [ToolMigration], ignored: [String]) {
        self.migrations = migrations
        self.ignored = ignored
    }
}

extension ToolFolder {
    /// A file of the folder, through `read`; one that cannot be read is an error naming it.
    static func bytes(of name: String, read: (String) throws -> [UInt8]) throws(FormatError) -> [UInt8] {
        do {
            return try read(name)
        } catch {
            throw FormatError(file: name, "cannot be read: \(error)")
        }
    }

    /// A migration file's text; one that cannot be read, or is not UTF-8, is an error naming it.
    static func text(of name: String, read: (String) throws -> [UInt8]) throws(FormatError) -> String {
        let bytes = try bytes(of: name, read: read)
        if let invalid = FileSystem.invalidUTF8(in: bytes) {
            throw FormatError(file: name, "is not UTF-8 text (\(invalid)); save it as UTF-8")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

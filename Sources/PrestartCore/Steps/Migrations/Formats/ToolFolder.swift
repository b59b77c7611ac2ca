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

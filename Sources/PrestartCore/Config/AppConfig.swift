import PrestartSystem

public struct AppConfig: Sendable {
    public var command: [String]
    public var environment: [String: String]
    public var workdir: String

    public init(command: [String], environment: [String: String], workdir: String) {
        self.command = command
        self.environment = environment
        self.workdir = workdir
    }
}

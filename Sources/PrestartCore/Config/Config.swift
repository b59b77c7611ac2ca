public import PrestartDatabase
import PrestartSystem

/// A validated `prestart.toml`: every value interpolated, every path absolute, the graph checked.
public struct Config: Sendable {
    /// Absolute path of the file this came from.
    public var file: String
    /// The file's folder: relative paths and commands resolve here.
    public var directory: String
    public var database: DatabaseConfig?
    /// Steps in the order the file declares them.
    public var steps: [Step]
    public var app: AppConfig?

    public init(file: String, directory: String, database: DatabaseConfig?, steps: [Step], app: AppConfig?) {
        self.file = file
        self.directory = directory
        self.database = database
        self.steps = steps
        self.app = app
    }

    public func step(named name: String) -> Step? {
        steps.first { $0.name == name }
    }
}

public struct DatabaseConfig: Sendable {
    /// Holds the password, if any: log `url.redacted`.
    public var url: DatabaseURL
    /// PostgreSQL run-time parameters set on every session prestart opens.
    public var settings: [(name: String, value: String)]
    /// How long a replica waits for the ledger lock before exiting 75.
    public var lockTimeout: Duration

    public init(url: DatabaseURL, settings: [(name: String, value: String)] = [], lockTimeout: Duration = .seconds(600)) {
        self.url = url
        self.settings = settings
        self.lockTimeout = lockTimeout
    }
}

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

extension ConnectionPool {
    /// The run's connections to the configured database.
    public convenience init(_ config: DatabaseConfig) {
        self.init(url: config.url, settings: config.settings)
    }
}

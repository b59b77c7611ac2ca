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

    /// The connections to `[database]`; without one, the error a command that needs it reports.
    func requireDatabase() throws(DatabaseError) -> ConnectionPool {
        guard let database else { throw DatabaseError.client("The config has no [database], so there is no ledger.") }
        return ConnectionPool(database)
    }

    /// Every once-only unit with a checksum, for the ledger's integrity check.
    var expectedUnits: [Ledger.Expected] {
        steps.flatMap(\.units).compactMap { unit in
            guard let checksum = unit.checksum, let source = unit.source else { return nil }
            return Ledger.Expected(name: unit.name, file: Path.relative(source, to: directory), checksum: checksum)
        }
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

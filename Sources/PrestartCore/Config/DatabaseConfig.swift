public import PrestartDatabase
import PrestartSystem

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

extension ConnectionPool {
    /// The run's connections to the configured database; `readOnly` for the commands that only read.
    public convenience init(_ config: DatabaseConfig, readOnly: Bool = false) {
        self.init(url: config.url, settings: config.settings, readOnly: readOnly)
    }
}

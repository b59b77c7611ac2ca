public import Logging
public import PrestartSystem
import PrestartDatabase

/// What every step needs from the run around it.
public struct StepContext: Sendable {
    /// prestart's own environment; a step's `env` is layered on top.
    public var environment: Environment
    public var logger: Logger
    /// Between SIGTERM and SIGKILL when a step's process group is stopped.
    public var killGrace: Duration
    /// The run's connections and ledger, when the config has a `[database]`.
    public var database: RunDatabase?
    /// Messages name files relative to it.
    public var configDirectory: String
    /// `run --force`: run once-only steps even when the ledger says they were applied.
    public var forceOnce = false
    /// Masks secrets in text that goes somewhere other than the log (the ledger's error column).
    public var sink: LogSink = .standardError
    /// systemd's `NOTIFY_SOCKET`, when prestart runs under a `Type=notify` unit: step progress goes there too.
    public var notifier: SystemdNotifier?

    public init(
        environment: Environment, logger: Logger, killGrace: Duration = .seconds(5), database: RunDatabase? = nil,
        configDirectory: String = "/", notifier: SystemdNotifier? = nil
    ) {
        self.environment = environment
        self.logger = logger
        self.killGrace = killGrace
        self.database = database
        self.configDirectory = configDirectory
        self.notifier = notifier
    }

    func redact(_ text: String) -> String {
        sink.redact(text)
    }

    /// The environment a step's child process gets.
    func childEnvironment(for step: Step) -> Environment {
        step.childEnvironment(over: environment)
    }

    /// `seed/superuser.sql:3`: the file relative to the config's folder, and the line of the failing statement.
    func location(of error: DatabaseError, in origin: String, firstLine: Int) -> String {
        var place = Path.relative(origin, to: configDirectory)
        if let line = error.line { place += ":\(firstLine + line - 1)" }
        return place
    }
}

public import Logging

/// What every step needs from the run around it.
public struct StepContext: Sendable {
    /// prestart's own environment; a step's `env` is layered on top.
    public var environment: Environment
    public var logger: Logger
    /// Between SIGTERM and SIGKILL when a step's process group is stopped.
    public var killGrace: Duration
    /// The run's connections, when the config has a `[database]`.
    public var database: ConnectionPool?
    /// Messages name files relative to it.
    public var configDirectory: String
    /// systemd's `NOTIFY_SOCKET`, when prestart runs under a `Type=notify` unit: step progress goes there too.
    public var notifier: SystemdNotifier?

    public init(
        environment: Environment, logger: Logger, killGrace: Duration = .seconds(5), database: ConnectionPool? = nil,
        configDirectory: String = "/", notifier: SystemdNotifier? = nil
    ) {
        self.environment = environment
        self.logger = logger
        self.killGrace = killGrace
        self.database = database
        self.configDirectory = configDirectory
        self.notifier = notifier
    }

    /// The environment a step's child process gets.
    func childEnvironment(for step: Step) -> Environment {
        var environment = self.environment
        for (name, value) in step.environment { environment[name] = value }
        environment["PRESTART_STEP"] = step.name
        return environment
    }
}

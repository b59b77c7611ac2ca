public import Logging
public import PrestartDatabase
public import PrestartSystem

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
    /// The ledger of once-only work, when the config has a `[database]`.
    public var ledger: Ledger?
    /// `run --force`: run once-only steps even when the ledger says they were applied.
    public var forceOnce = false
    /// Masks secrets in text that goes somewhere other than the log (the ledger's error column).
    public var sink: LogSink = .standardError
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

    /// Logs a failed attempt and waits `retry-delay` before the next; false when the run was cancelled meanwhile.
    func pauseBeforeRetry(_ step: Step, after attempt: Int, failure: String) async -> Bool {
        logger.warning(
            "attempt \(attempt) of \(step.retries + 1) failed: \(failure); retrying in \(DurationText.format(step.retryDelay))",
            metadata: ["step": "\(step.name)"])
        return (try? await Task.sleep(for: step.retryDelay)) != nil
    }

    func redact(_ text: String) -> String {
        sink.redact(text)
    }

    /// The environment a step's child process gets.
    func childEnvironment(for step: Step) -> Environment {
        var environment = self.environment
        environment["PRESTART_STEP"] = step.name
        for (name, value) in step.environment { environment[name] = value }
        return environment
    }
}

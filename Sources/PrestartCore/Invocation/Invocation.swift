import Glibc
public import Logging
import Synchronization
import PrestartDatabase
public import PrestartSystem

/// One invocation of prestart: its logger, environment and report, and what every command shares — load the
/// config, run a selection of steps with signals wired to cancellation, write the report.
/// Each method returns an exit code decided by `ExitStatus`; the report is written on every path.
public struct Invocation: Sendable {
    public var environment: Environment
    public var logger: Logger
    public var sink: LogSink
    /// `--report FILE`, else `$PRESTART_REPORT`.
    public var reportPath: String?

    public init(environment: Environment, logger: Logger, sink: LogSink = .standardError, reportPath: String?) {
        self.environment = environment
        self.logger = logger
        self.sink = sink
        let fromEnvironment = environment["PRESTART_REPORT"].flatMap { $0.isEmpty ? nil : $0 }
        self.reportPath = (reportPath ?? fromEnvironment).map {
            Path.resolve($0, against: FileSystem.currentDirectory)
        }
    }

    /// Loads the config and registers its secrets (the URL's password, `secret` parameters) with the sink,
    /// before anything can log them. `use` says what the command needs set: everything to run, less to inspect.
    public func loadConfig(explicit: String?, use: ConfigLoader.Use = .run) throws(ConfigError) -> Config {
        let loader = ConfigLoader(environment: environment, use: use)
        let config = try loader.load(file: loader.locate(explicit: explicit))
        sink.addSecrets(config.database?.url.secrets ?? [])
        for step in config.steps { sink.addSecrets(step.kind.secrets) }
        return config
    }

    /// Logs `error`, writes a report for it (unless the report is what cannot be written), and returns its exit
    /// code.
    public func fail(_ error: any Error) -> Int32 {
        let code = ExitStatus.code(for: error)
        logger.error("\(error)")
        let status: Report.Status =
            switch error {
            case is ConfigError: .configError
            case is UsageError, is ReportError: .usageError
            default: .failed
            }
        if !(error is ReportError) { writeReport(Report(status: status, exitCode: code, error: "\(error)")) }
        return code
    }

    /// Before any step runs: can the report be written where it was asked? A folder that is read-only, missing or
    /// not writable for prestart is a usage error (exit 64) now, instead of a report missing after the work.
    public func checkReportPath() throws(ReportError) {
        guard let reportPath else { return }
        guard !FileSystem.isDirectory(reportPath) else { throw ReportError(path: reportPath, reason: "it is a folder") }
        // The temporary file `Report.write` renames into place.
        let probe = reportPath + ".tmp.\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ReportError(path: reportPath, reason: SystemError("cannot create \(probe)").description)
        }
        close(fd)
        unlink(probe)
    }

    /// Runs `steps` as a graph. SIGTERM, SIGINT, SIGHUP or SIGQUIT stop the running process groups
    /// (SIGTERM, then SIGKILL after the grace period) and make the run end with 128+N.
    public func run(
        _ steps: [Step], of config: Config, skipping skipped: Set<String> = [], force: Bool = false
    ) async -> RunResult {
        let logger = logger
        let database = config.database.map { database in
            let pool = ConnectionPool(database)
            let lockUsers = steps.count { !skipped.contains($0.name) && $0.needsLedgerLock }
            let ledger = Ledger(
                pool: pool, expected: config.expectedUnits, lockUsers: lockUsers, lockTimeout: database.lockTimeout,
                logger: logger)
            return RunDatabase(pool: pool, ledger: ledger)
        }
        var context = StepContext(
            environment: environment, logger: logger, database: database, configDirectory: config.directory,
            notifier: SystemdNotifier(environment: environment))
        context.sink = sink
        context.forceOnce = force
        let runner = Runner(steps: steps, skipped: skipped, context: context)
        // The handler is in place before the first step can start: a signal in between would otherwise find no
        // handler and end prestart on the spot, with the step's group running on and no report.
        let running = Mutex<Task<RunResult, Never>?>(nil)
        SignalRelay.shared.setHandler { number in
            logger.warning("received \(Signal.name(number)): stopping the running steps")
            running.withLock { $0 }?.cancel()
        }
        let task = Task { await runner.run() }
        running.withLock { $0 = task }
        // A signal that came before the task was stored found nothing to cancel.
        if SignalRelay.shared.received != nil { task.cancel() }
        var result = await task.value
        await database?.ledger.close()
        result.signal = SignalRelay.shared.received
        let code = ExitStatus.code(for: result)
        let took = DurationText.format(result.duration)
        if code == 0 {
            logger.info("all \(steps.count) steps done in \(took)")
        } else if let signal = result.signal {
            logger.error("stopped by \(Signal.name(signal)) after \(took)")
        } else {
            logger.error("step \(result.failedStep ?? "?") failed; exit status \(code)")
        }
        writeReport(Report(run: result))
        return result
    }

    /// The report once more, after the app: the steps as they ran, and how a supervised app ended (its status is
    /// prestart's exit status) or why the app did not start (logged here). Returns prestart's exit code.
    public func finish(
        _ result: RunResult, app command: [String], _ outcome: Result<AppExit, AppLaunchError>
    ) -> Int32 {
        var report = Report(run: result)
        switch outcome {
        case .success(let exit):
            report.exitCode = ExitStatus.code(forApp: exit.termination)
            report.app = AppOutcome(command: command, exit: exit)
        case .failure(let error):
            logger.error("\(error)")
            report.status = .failed
            report.exitCode = ExitStatus.code(for: error)
            report.error = error.description
            report.app = AppOutcome(command: command, error: error.description)
        }
        writeReport(report)
        return report.exitCode
    }

    /// Writes the report. When that fails (the disk filled up during the run: `checkReportPath` caught the rest
    /// before anything ran), the exit status stays the run's own: the report records the work, it is not the
    /// work, and failing a start-up that succeeded would restart a ready service, again and again while the disk
    /// stays full. The previous run's report is removed, so that no one reads it as this run's.
    public func writeReport(_ report: Report) {
        guard let reportPath else { return }
        do {
            try report.write(toPath: reportPath, sink: sink)
        } catch {
            let removed = unlink(reportPath) == 0 ? "; removed the previous report there" : ""
            logger.error(
                "cannot write the report: \(error)\(removed); the exit status is the run's own (\(report.exitCode))")
        }
    }
}

import Glibc
public import Logging

/// The end of `up` in supervise mode: prestart stays as the app's parent — PID 1 in a container — and does
/// what tini or dumb-init would: forwards signals, reaps every zombie, and exits with the app's status.
///
/// - Important: The app leads a process group of its own, and signals are forwarded to the app's process
///   only, not to its group (tini's default, not dumb-init's). App servers (gunicorn, uvicorn with workers,
///   celery) stop their workers themselves on SIGTERM; signalling the whole group as well hits every worker
///   at once, and for SIGINT or SIGQUIT a worker takes that as "quit now", mid-request. The group of its own
///   is what lets a terminal's Ctrl-C and window changes go to the app directly (prestart hands the terminal
///   to it), and keeps prestart out of reach of an app that signals its own group. Whatever the app leaves
///   running when it exits — in its group or not — gets SIGTERM, then SIGKILL after `grace`.
public struct Supervisor: Sendable {
    public var argv: [String]
    public var environment: Environment
    public var workdir: String
    /// Between SIGTERM and SIGKILL for what the app left running.
    public var grace: Duration
    public var notifier: SystemdNotifier?
    public var logger: Logger

    public init(
        argv: [String], environment: Environment, workdir: String, grace: Duration = .seconds(5),
        notifier: SystemdNotifier?, logger: Logger
    ) {
        self.argv = argv
        self.environment = environment
        self.workdir = workdir
        self.grace = grace
        self.notifier = notifier
        self.logger = logger
    }

    /// Starts the app and blocks until it has exited and its leftovers are gone; call it on a thread of its own.
    /// Requires `SignalRelay.install()`.
    public func run() -> Result<AppExit, AppLaunchError> {
        // Outside PID 1 (systemd, a shell) an orphan would go to init, and its zombie would not be ours to reap.
        if getpid() != 1 { Reaper.shared.becomeSubreaper() }
        let app = App()
        let logger = logger
        SignalRelay.shared.setHandler { number in
            guard let pid = app.target(for: number) else { return }
            let message: Logger.Message = "forwarding \(Signal.name(number)) to the app (pid \(pid))"
            guard SignalRelay.terminating.contains(number) else {
                logger.debug(message)
                kill(pid, number)
                return
            }
            logger.info(message)
            kill(pid, number)
            // As systemd does: a stopped app would keep the signal pending, and prestart waiting, forever.
            kill(pid, SIGCONT)
        }
        SignalRelay.catchSignalsForSupervising()

        // systemd listens to the main process only (NotifyAccess=main); the app's own messages would be refused.
        var environment = environment
        environment["NOTIFY_SOCKET"] = nil
        let pid: pid_t
        let startedAt = WallClock.now
        let clock = ContinuousClock()
        let start = clock.now
        do {
            pid = try Reaper.shared.spawn(
                { () throws(AppLaunchError) -> pid_t in try spawn(environment: environment) },
                onExit: { app.exited($0) })
        } catch {
            return .failure(error)
        }
        for number in app.started(pid) {
            kill(pid, number)
            if SignalRelay.terminating.contains(number) { kill(pid, SIGCONT) }
        }
        let terminal = Terminal.handOver(to: pid)
        logger.info("supervising \(argv.joined(separator: " ")) (pid \(pid))")
        // MAINPID is prestart's own: it stays the process systemd tracks, forwards its stop signal and exits with
        // the app's status. Naming the app instead would make systemd refuse prestart's later messages.
        notifier?.send("READY=1\nMAINPID=\(getpid())\nSTATUS=running \(argv[0]) (pid \(pid))")

        // Only an app that stays is worth the trouble: a short-lived one would pay for the pages twice.
        if !app.hasExited(within: .seconds(1)) { IdleMemory.release() }
        let termination = app.waitForExit()
        let duration = clock.now - start
        if termination.exitCode == 0 {
            logger.info("the app ended: \(termination)")
        } else {
            logger.warning("the app ended: \(termination)")
        }
        notifier?.send("STOPPING=1\nSTATUS=\(argv[0]) \(termination)")
        terminal?.takeBack()
        stopLeftovers()
        return .success(AppExit(pid: pid, startedAt: startedAt, duration: duration, termination: termination))
    }

    private func spawn(environment: Environment) throws(AppLaunchError) -> pid_t {
        guard FileSystem.isDirectory(workdir) else { throw AppLaunchError(command: workdir, errno: ENOENT) }
        do {
            return try Spawn.start(argv, environment: environment, workdir: workdir, standard: .inherited)
        } catch {
            throw AppLaunchError(command: argv[0], errno: error.errno)
        }
    }

    /// SIGTERM to every process still below prestart, again to any that appear, and SIGKILL to what is left
    /// after `grace`. As PID 1 or a subreaper, prestart inherits every orphan, so "below" covers processes that
    /// left the app's group or session too.
    private func stopLeftovers() {
        // The common case, nothing left, without reading all of /proc.
        guard Reaper.shared.hasChildren else { return }
        var remaining = ProcessTable.descendants(of: getpid())
        guard !remaining.isEmpty else { return }
        let after = DurationText.format(grace)
        logger.info("stopping \(remaining.count) processes the app left running: SIGTERM, then SIGKILL after \(after)")
        var signalled: Set<pid_t> = []
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while !remaining.isEmpty, clock.now < deadline {
            for pid in remaining where signalled.insert(pid).inserted {
                kill(pid, SIGTERM)
                kill(pid, SIGCONT)
            }
            usleep(20_000)
            remaining = ProcessTable.descendants(of: getpid())
        }
        guard !remaining.isEmpty else { return }
        logger.warning("\(remaining.count) processes ignored SIGTERM: SIGKILL")
        for _ in 0..<50 where !remaining.isEmpty {
            for pid in remaining { kill(pid, SIGKILL) }
            usleep(10_000)
            remaining = ProcessTable.descendants(of: getpid())
        }
    }
}

/// The app's side of the supervisor, shared with the signal relay's and the reaper's threads.
private final class App: @unchecked Sendable {
    private let lock = ConditionLock()
    private var pid: pid_t?
    private var pending: [Int32] = []
    private var termination: Termination?

    /// Where to forward a signal now, or `nil`: before the app has started the signal is kept for it,
    /// after it has exited there is no one to forward to (and its PID may belong to another process).
    func target(for number: Int32) -> pid_t? {
        lock.withLock {
            guard termination == nil else { return nil }
            if pid == nil { pending.append(number) }
            return pid
        }
    }

    /// Records the app's PID and returns the signals that came while it was being started.
    func started(_ pid: pid_t) -> [Int32] {
        lock.withLock {
            self.pid = pid
            defer { pending = [] }
            return termination == nil ? pending : []
        }
    }

    func exited(_ termination: Termination) {
        lock.withLock {
            self.termination = termination
            lock.broadcast()
        }
    }

    func hasExited(within timeout: Duration) -> Bool {
        lock.withLock { lock.wait(until: { termination != nil }, timeout: timeout) }
    }

    func waitForExit() -> Termination {
        lock.withLock {
            lock.wait { termination != nil }
            return termination!
        }
    }
}

/// The controlling terminal, when prestart runs in the foreground of one (`docker run -it`, a shell).
private struct Terminal {
    /// Makes the app's group the foreground group, so it can read the terminal and gets Ctrl-C itself.
    ///
    /// - Important: `posix_spawn` cannot do this in the child as tini does, so the app runs for a moment in
    ///   a background group; if it read the terminal in that moment it was stopped by SIGTTIN, and the
    ///   SIGCONT after the hand-over resumes it.
    static func handOver(to group: pid_t) -> Terminal? {
        guard isatty(0) == 1, tcgetpgrp(0) == getpgrp() else { return nil }
        guard tcsetpgrp(0, group) == 0 else { return nil }
        kill(-group, SIGCONT)
        return Terminal()
    }

    /// Makes prestart's group the foreground again (SIGTTOU is ignored, so a background group may).
    func takeBack() {
        _ = tcsetpgrp(0, getpgrp())
    }
}

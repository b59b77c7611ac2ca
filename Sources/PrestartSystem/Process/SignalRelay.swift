import CPrestartShims
import Glibc
import Synchronization

/// The one owner of prestart's signal dispositions. A C handler writes each signal's number to a self-pipe
/// and one thread reads it, so handling a signal is ordinary code, not async-signal-safe code, whichever
/// thread the kernel interrupted.
public final class SignalRelay: Sendable {
    public static let shared = SignalRelay()

    /// Signals that stop a run: the running steps' groups get SIGTERM and prestart exits 128+N.
    public static let terminating: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT]

    /// Signals that mean nothing to prestart but something to a supervised app, so they are caught (and
    /// forwarded) only while supervising. Until then they keep their default action.
    public static let forwardedOnly: [Int32] = [SIGUSR1, SIGUSR2, SIGWINCH]

    private struct State {
        var received: Int32?
        var handler: (@Sendable (Int32) -> Void)?
        var pipeWriteEnd: Int32 = -1
    }

    private let state = Mutex(State())

    private init() {}

    /// Takes over the terminating signals and ignores SIGPIPE (a closed log reader must not kill a migration).
    public static func install() {
        signal(SIGPIPE, SIG_IGN)
        var fds: [Int32] = [-1, -1]
        guard prestart_pipe2(&fds, O_CLOEXEC) == 0 else {
            fatalError("cannot create the signal pipe: \(SystemError("pipe2"))")
        }
        let readEnd = fds[0]
        shared.state.withLock { $0.pipeWriteEnd = fds[1] }
        prestart_install_signal_pipe(fds[1], terminating, Int32(terminating.count))
        BlockingThread.start {
            while true {
                var number: UInt8 = 0
                let count = read(readEnd, &number, 1)
                if count == 1 { shared.deliver(Int32(number)) }
                if count < 0 && errno != EINTR { return }
            }
        }
    }

    /// Before supervising an app: catch the signals it should also get (`forwardedOnly`), and ignore the
    /// terminal's job-control stops, since handing the terminal to the app's process group leaves prestart in a
    /// background group that must still be able to log and take the terminal back.
    ///
    /// - Important: A PID 1 gets no signal it has no handler for, not even from the kernel's default actions,
    ///   so without this SIGUSR1 sent to a container would vanish instead of reaching the app.
    public static func catchSignalsForSupervising() {
        let writeEnd = shared.state.withLock { $0.pipeWriteEnd }
        precondition(writeEnd >= 0, "SignalRelay.install() must run first")
        prestart_install_signal_pipe(writeEnd, forwardedOnly, Int32(forwardedOnly.count))
        signal(SIGTTOU, SIG_IGN)
        signal(SIGTTIN, SIG_IGN)
    }

    /// The first terminating signal received so far, if any.
    public var received: Int32? { state.withLock { $0.received } }

    /// `handler` runs on the relay thread for every signal caught, terminating or forwarded-only; the first
    /// terminating signal that came before it was set is delivered at once.
    public func setHandler(_ handler: @escaping @Sendable (Int32) -> Void) {
        let early = state.withLock {
            $0.handler = handler
            return $0.received
        }
        if let early { handler(early) }
    }

    private func deliver(_ number: Int32) {
        let terminating = Self.terminating.contains(number)
        let handler = state.withLock {
            if terminating, $0.received == nil { $0.received = number }
            return $0.handler
        }
        if let handler {
            handler(number)
        } else if terminating {
            // Nothing is running yet that needs stopping cleanly.
            exit(128 + number)
        }
    }

    /// Ends prestart by signal `number`, so whoever waits for it (systemd, a shell) sees the death of the app it
    /// supervised, not a number: systemd counts only a real SIGTERM death as a clean stop, never exit 143.
    /// Returns only if the signal does not kill (its default action is to ignore it, or prestart is PID 1 of a
    /// namespace, which the kernel shields from signals it has no handler for); the caller exits 128+N then.
    ///
    /// - Important: Call it last, after the report and the log are written. The relay's handler is replaced by
    ///   the default action and the signal unblocked on this thread, so `raise` (which signals the calling
    ///   thread) cannot be caught by the relay or held pending by a mask. No core file is written for a
    ///   SIGQUIT, SIGABRT or SIGSEGV: the crash was the app's, and prestart's core would only mislead.
    public static func endBySignal(_ number: Int32) {
        var noCore = rlimit(rlim_cur: 0, rlim_max: 0)
        _ = getrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        noCore.rlim_cur = 0
        _ = setrlimit(__rlimit_resource_t(RLIMIT_CORE.rawValue), &noCore)
        signal(number, SIG_DFL)
        var only = sigset_t()
        sigemptyset(&only)
        sigaddset(&only, number)
        pthread_sigmask(SIG_UNBLOCK, &only, nil)
        raise(number)
    }

    /// Undoes `install` for a process image about to replace this one: default dispositions, nothing blocked.
    ///
    /// - Important: Ignored signals and the signal mask survive `execve` (handlers do not); a Python app
    ///   would otherwise inherit SIGPIPE ignored.
    static func resetForExec() {
        for number in 1..<Int32(65) where number != SIGKILL && number != SIGSTOP {
            signal(number, SIG_DFL)
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
    }
}

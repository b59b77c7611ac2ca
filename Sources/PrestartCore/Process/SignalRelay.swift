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

    private struct State {
        var received: Int32?
        var handler: (@Sendable (Int32) -> Void)?
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

    /// The first terminating signal received so far, if any.
    public var received: Int32? { state.withLock { $0.received } }

    /// `handler` runs on the relay thread for each signal; a signal that came before it was set is
    /// delivered at once.
    public func setHandler(_ handler: @escaping @Sendable (Int32) -> Void) {
        let early = state.withLock {
            $0.handler = handler
            return $0.received
        }
        if let early { handler(early) }
    }

    private func deliver(_ number: Int32) {
        let handler = state.withLock {
            if $0.received == nil { $0.received = number }
            return $0.handler
        }
        if let handler {
            handler(number)
        } else {
            // Nothing is running yet that needs stopping cleanly.
            exit(128 + number)
        }
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

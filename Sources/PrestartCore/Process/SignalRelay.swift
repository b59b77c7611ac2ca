import Glibc
import Synchronization

/// The one owner of prestart's signal dispositions. The signals it handles are blocked in every thread
/// and taken by one thread with `sigwait`, so handling them is ordinary code, not async-signal-safe code.
///
/// - Important: Call `install()` first thing in `main`, before any thread exists: threads inherit the
///   signal mask of their creator, and a thread that does not block a signal may receive it instead.
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

    public static func install() {
        signal(SIGPIPE, SIG_IGN)
        var set = Self.signalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        BlockingThread.start {
            var set = Self.signalSet()
            while true {
                var number: Int32 = 0
                guard sigwait(&set, &number) == 0 else { continue }
                shared.deliver(number)
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
    static func resetForExec() {
        for number in 1..<Int32(65) where number != SIGKILL && number != SIGSTOP {
            signal(number, SIG_DFL)
        }
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
    }

    private static func signalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in terminating { sigaddset(&set, number) }
        return set
    }
}

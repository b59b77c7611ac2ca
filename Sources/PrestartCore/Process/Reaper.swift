import Glibc

/// The one owner of `waitpid(-1)` in the process: it reaps every child, spawned or re-parented, and routes
/// each status to whoever spawned that PID.
///
/// - Important: Nothing else may call `wait`/`waitpid`; two reapers steal each other's children and hang.
///   A thread blocks in `waitpid(-1, …, 0)` only while at least one spawned child is alive, so there is no
///   busy loop on `ECHILD` and no `SIGCHLD` handler to share.
final class Reaper: @unchecked Sendable {
    static let shared = Reaper()

    private let lock = ConditionLock()
    private var handlers: [pid_t: @Sendable (Termination) -> Void] = [:]
    private var threadStarted = false

    private init() {}

    /// Runs `spawn` with the registry locked, so the child cannot be reaped before its handler is known.
    func spawn<E: Error>(
        _ spawn: () throws(E) -> pid_t, onExit: @escaping @Sendable (Termination) -> Void
    ) throws(E) -> pid_t {
        try lock.withLock { () throws(E) -> pid_t in
            let pid = try spawn()
            handlers[pid] = onExit
            if !threadStarted {
                threadStarted = true
                BlockingThread.start { [self] in reapForever() }
            }
            lock.broadcast()
            return pid
        }
    }

    /// Whether any child is left, living or a zombie. A look that reaps nothing (`WNOWAIT`), so it cannot
    /// take a status from the reaping thread; without children there can be no other descendants either, since
    /// as PID 1 or subreaper every orphan below becomes a child.
    var hasChildren: Bool {
        var info = siginfo_t()
        return waitid(P_ALL, 0, &info, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) == 0
    }

    private func reapForever() {
        while true {
            lock.withLock { lock.wait { !handlers.isEmpty } }
            var status: Int32 = 0
            let pid = waitpid(-1, &status, 0)
            if pid > 0 {
                let handler = lock.withLock { handlers.removeValue(forKey: pid) }
                // A PID nobody registered is an orphan re-parented to us (PID 1 or subreaper): reaped, done.
                handler?(Termination(waitStatus: status))
            } else if errno == ECHILD {
                // Registered children exist but the kernel says none: someone else reaped them. Avoid spinning.
                usleep(10_000)
            }
        }
    }
}

import CPrestartShims
import Glibc

/// The one owner of `waitpid(-1)` in the process: it reaps every child, spawned or re-parented, and routes
/// each status to whoever spawned that PID.
///
/// - Important: Nothing else may call `wait`/`waitpid`; two reapers steal each other's children and hang.
///   A thread blocks waiting for children only while at least one spawned child is alive, so there is no
///   busy loop on `ECHILD` and no `SIGCHLD` handler to share.
final class Reaper: @unchecked Sendable {
    static let shared = Reaper()

    private let lock = ConditionLock()
    private var handlers: [pid_t: @Sendable (Termination) -> Void] = [:]
    private var threadStarted = false
    /// Whether a child nobody spawned through the reaper is an orphan to reap: true as PID 1 or a subreaper,
    /// where the kernel re-parents orphans. Otherwise such a child is someone else's in this process (the
    /// tests' `system()`), and reaping it would take its status from them.
    private var adoptsOrphans = getpid() == 1

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

    /// Makes this process a child subreaper (`PR_SET_CHILD_SUBREAPER`): orphans below it come to it, as to a
    /// PID 1, and are reaped here.
    func becomeSubreaper() {
        lock.withLock { adoptsOrphans = prestart_set_child_subreaper() == 0 || adoptsOrphans }
    }

    private func reapForever() {
        while true {
            lock.withLock { lock.wait { !handlers.isEmpty } }
            // Look first (WNOWAIT), reap second: a child this reaper has no claim on stays for its owner.
            var info = siginfo_t()
            guard waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == 0 else {
                // Registered children exist but the kernel says none: someone else reaped them. Avoid spinning.
                if errno == ECHILD { usleep(10_000) }
                continue
            }
            let pid = prestart_siginfo_pid(&info)
            let (registered, adopts) = lock.withLock { (handlers[pid] != nil, adoptsOrphans) }
            guard registered || adopts else {
                // Its owner is about to reap it; until then waitid would report it again at once.
                usleep(1_000)
                continue
            }
            var status: Int32 = 0
            guard waitpid(pid, &status, 0) == pid else { continue }
            let handler = lock.withLock { handlers.removeValue(forKey: pid) }
            // A PID nobody registered is an orphan re-parented to us (PID 1 or subreaper): reaped, done.
            handler?(Termination(waitStatus: status))
        }
    }
}

import Glibc
import Synchronization

/// Keeps the Swift runtime's dispatch library out of syslog. On Linux its first worker thread starts a manager
/// thread at a high quality of service, which it imitates by lowering that thread's nice value; an unprivileged
/// process may not (`setpriority` fails with EACCES), and libdispatch then writes `Failed to set thread priority
/// for worker thread: … errno=13` to syslog, which under systemd is the journal. The thread runs as well at nice 0,
/// so the line is noise. No quality of service prestart chooses avoids it (the manager's is fixed), so prestart
/// sets `LIBDISPATCH_LOG=NO`, which libdispatch reads at its first log line, unless the variable was set by
/// whoever started prestart.
///
/// - Important: `silence()` must run before any task runs on the global executor (the first line of `main`),
///   while prestart has one thread: `setenv` is not safe beside threads that read the environment. The variable
///   is prestart's own, so `Environment.current` leaves it out and steps and the app never inherit it.
public enum DispatchLog {
    static let variable = "LIBDISPATCH_LOG"
    private static let setHere = Atomic<Bool>(false)

    public static func silence() {
        guard getenv(variable) == nil else { return }
        setHere.store(true, ordering: .relaxed)
        setenv(variable, "NO", 0)
    }

    /// Whether `LIBDISPATCH_LOG` in this process's environment is the one `silence()` set.
    static var isOwnSetting: Bool { setHere.load(ordering: .relaxed) }
}

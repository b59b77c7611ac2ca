import CPrestartShims
import Glibc

/// The end of `up` in exec mode: prestart becomes the app (`execve`), keeping its PID, so no extra process
/// stands between the container runtime and the app.
public enum AppLauncher {
    /// Returns only when `execve` failed.
    ///
    /// - Important: Ignored signals and the signal mask survive `execve`, so every disposition is reset and
    ///   the mask cleared first. prestart writes its output unbuffered, so nothing is left to flush.
    public static func exec(argv: [String], environment: Environment, workdir: String) -> AppLaunchError {
        guard chdir(workdir) == 0 else { return AppLaunchError(command: workdir, errno: errno) }
        SignalRelay.resetForExec()
        prestart_cloexec_from(3)
        let error = CStrings.withArray(argv) { arguments in
            environment.withEntries { entries in
                Spawn.search(for: argv[0], path: environment["PATH"]) { candidate in
                    execve(candidate, arguments, entries)
                    return errno
                }
            }
        }
        return AppLaunchError(command: argv[0], errno: error)
    }
}

import CPrestartShims
import Glibc

/// How prestart starts every child: a step's command, a migration executable, the supervised app.
///
/// The child is found on the `PATH` of its own environment, by `execvp`'s rules (`posix_spawnp` would search
/// prestart's `PATH`), and starts in `workdir`, leading a process group of its own, with every signal at its
/// default and none blocked (prestart ignores and blocks some; a child must not start that way), and with no
/// descriptor of prestart's beyond the three standard ones.
enum Spawn {
    /// The child's standard descriptors.
    enum Standard {
        /// prestart's own: the app shares its terminal or log stream.
        case inherited
        /// stdin from `/dev/null`, stdout and stderr to these (a step's pipes).
        case captured(stdout: Int32, stderr: Int32)
    }

    /// Why a child did not start, as `search` tells it.
    struct Failure: Error {
        var errno: Int32
    }

    static func start(
        _ argv: [String], environment: Environment, workdir: String, standard: Standard
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if case .captured(let stdout, let stderr) = standard {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
            posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        }
        prestart_spawn_file_actions_addchdir(&actions, workdir)
        prestart_spawn_file_actions_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let error = CStrings.withArray(argv) { arguments in
            environment.withEntries { entries in
                search(for: argv[0], path: environment["PATH"]) { candidate in
                    posix_spawn(&pid, candidate, &actions, &attributes, arguments, entries)
                }
            }
        }
        guard error == 0 else { throw Failure(errno: error) }
        return pid
    }

    /// Tries `command`'s candidates as `execvp` does: every directory of `path` in order
    /// (`/usr/local/bin:/usr/bin:/bin` without one; only `command` itself when it names a path), going on past a file
    /// that is not there, and past one that may not be executed (`EACCES`, which is the error if nothing runs); any
    /// other error ends the search.
    /// `attempt` returns 0 or an `errno`; so does this.
    static func search(for command: String, path: String?, _ attempt: (String) -> Int32) -> Int32 {
        if command.contains("/") { return attempt(command) }
        var sawPermissionDenied = false
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(
            separator: ":", omittingEmptySubsequences: false)
        {
            let error = attempt((directory.isEmpty ? "." : String(directory)) + "/" + command)
            switch error {
            case 0: return 0
            case EACCES: sawPermissionDenied = true
            case ENOENT, ENOTDIR, ESTALE, ENODEV, ETIMEDOUT: break
            default: return error
            }
        }
        return sawPermissionDenied ? EACCES : ENOENT
    }
}

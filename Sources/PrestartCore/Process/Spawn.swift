import CPrestartShims
import Glibc

/// How prestart starts every child: a step's command, a migration executable, the supervised app.
///
/// The child is found on the `PATH` of its own environment, as `execvp` would (`posix_spawnp` would search
/// prestart's), and starts in `workdir`, leading a process group of its own, with every signal at its default and
/// none blocked (prestart ignores and blocks some; a child must not start that way), and with no descriptor of
/// prestart's beyond the three standard ones.
enum Spawn {
    /// The child's standard descriptors.
    enum Standard {
        /// prestart's own: the app shares its terminal or log stream.
        case inherited
        /// stdin from `/dev/null`, stdout and stderr to these (a step's pipes).
        case captured(stdout: Int32, stderr: Int32)
    }

    /// Why a child did not start: the error of the last candidate on `PATH` that was there but could not be
    /// executed, or `ENOENT` when none was.
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

        var lastError = ENOENT
        for candidate in candidates(for: argv[0], path: environment["PATH"]) {
            var pid: pid_t = 0
            let result = CStrings.withArray(argv) { arguments in
                environment.withEntries { entries in
                    posix_spawn(&pid, candidate, &actions, &attributes, arguments, entries)
                }
            }
            if result == 0 { return pid }
            // Like execvp: remember that a file was there but could not run, keep looking otherwise.
            if result != ENOENT && result != ENOTDIR { lastError = result }
        }
        throw Failure(errno: lastError)
    }

    /// Where `execvp` would look for `command`, in order.
    static func candidates(for command: String, path: String?) -> [String] {
        if command.contains("/") { return [command] }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
        return directories.map { ($0.isEmpty ? "." : String($0)) + "/" + command }
    }
}

/// NULL-terminated `char *` arrays for `execve` and `posix_spawn`.
enum CStrings {
    static func withArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        withArray(strings.map { Array($0.utf8) }, body)
    }

    static func withArray<R>(_ strings: [[UInt8]], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers = strings.map { bytes in
            (bytes + [0]).withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { strdup($0.baseAddress!) } }
        } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

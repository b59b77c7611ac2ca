import CPrestartShims
import Glibc
import Synchronization
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// The built `prestart` binary, run as a real child with its output in files.
///
/// - Important: All test targets share one process, so this spawns through `Reaper`, the process's only
///   `waitpid` caller; waiting for a PID of its own would race the reaper and lose the status.
final class PrestartProcess {
    static var binary: String {
        Environment.current["PRESTART_BINARY"]
            ?? Path.directory(of: Path.resolve(CommandLine.arguments[0], against: FileSystem.currentDirectory))
            + "/prestart"
    }

    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private final class Ended: Sendable {
        let termination = Mutex<Termination?>(nil)
    }

    private let ended = Ended()

    /// Starts `prestart ARGS` (or, with `direct: false`, the program `ARGS[0]`) in `directory`, with
    /// `environment` added to a minimal one.
    init(
        _ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:],
        direct: Bool = true
    ) throws {
        // Replicas share a folder: each keeps its own output.
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        stdoutPath = directory.path + "/.stdout-" + suffix
        stderrPath = directory.path + "/.stderr-" + suffix
        var variables = ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/root"]
        variables.merge(environment) { $1 }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(FileSystem.exists(Self.binary), "build prestart first: \(Self.binary) is missing")
        let argv = direct ? [Self.binary] + arguments : arguments
        let binary = direct ? Self.binary : "/bin/" + arguments[0]
        let envp = variables.map { "\($0.key)=\($0.value)" }
        prestart_spawn_file_actions_addchdir(&actions, directory.path)
        let ended = self.ended
        self.pid = try Reaper.shared.spawn(
            { () throws(SystemError) -> pid_t in
                var pid: pid_t = 0
                let result = CStrings.withArray(argv) { argv in
                    CStrings.withArray(envp) { envp in posix_spawn(&pid, binary, &actions, nil, argv, envp) }
                }
                guard result == 0 else { throw SystemError("posix_spawn \(binary)", errno: result) }
                return pid
            },
            onExit: { termination in ended.termination.withLock { $0 = termination } })
    }

    /// Runs to completion.
    static func run(
        _ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:],
        direct: Bool = true
    ) throws -> PrestartProcess {
        let process = try PrestartProcess(arguments, in: directory, environment: environment, direct: direct)
        process.wait()
        return process
    }

    @discardableResult
    func wait() -> Int32 {
        while true {
            if let termination = ended.termination.withLock({ $0 }) { return termination.exitCode }
            usleep(5_000)
        }
    }

    var exitCode: Int32 { wait() }

    /// How the process ended, after `wait()`: an exit status, or the signal it died of.
    var termination: Termination {
        wait()
        return ended.termination.withLock { $0! }
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }

    var stdout: String { (try? FileSystem.readText(atPath: stdoutPath)) ?? "" }
    var stderr: String { (try? FileSystem.readText(atPath: stderrPath)) ?? "" }
}

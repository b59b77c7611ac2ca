import Glibc
import Synchronization
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// Real child processes: `sh`, `sleep`. Serialized, because each test counts processes on the machine.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ChildProcessTests {
    /// In sleep markers, so another test run on the machine (another checkout) is never mistaken for ours.
    static let unique = getpid()

    final class Lines: Sendable {
        let storage = Mutex<[(OutputStream, String)]>([])
        func append(_ stream: OutputStream, _ line: String) { storage.withLock { $0.append((stream, line)) } }
        var all: [(OutputStream, String)] { storage.withLock { $0 } }
    }

    func run(
        _ script: String, timeout: Duration? = nil, grace: Duration = .seconds(5), cancel: CancelToken = CancelToken(),
        lines: Lines = Lines(), environment: Environment = Environment(["PATH": "/usr/bin:/bin"])
    ) throws -> ChildResult {
        try ChildProcess.run(
            ProcessSpec(argv: ["sh", "-c", script], environment: environment, workdir: "/tmp"),
            timeout: timeout, grace: grace, cancel: cancel
        ) { stream, line in lines.append(stream, line) }
    }

    /// Whether any process runs with exactly this command line (a unique marker in argv).
    func processAlive(_ marker: String) -> Bool {
        Shell.processExists(commandLine: marker)
    }

    @Test func streamsStdoutAndStderrLinesAndReportsTheExitStatus() throws {
        let lines = Lines()
        let result = try run("echo one; echo two >&2; printf 'no newline'; exit 3", lines: lines)
        #expect(result == ChildResult(termination: .exited(3), timedOut: false, cancelled: false))
        let stdout = lines.all.filter { $0.0 == .stdout }.map(\.1)
        #expect(stdout == ["one", "no newline"])
        #expect(lines.all.filter { $0.0 == .stderr }.map(\.1) == ["two"])
    }

    @Test func childGetsTheGivenEnvironmentWorkdirAndNoStdin() throws {
        let lines = Lines()
        _ = try run("echo \"$GREETING\"; pwd; cat; echo eof", lines: lines, environment: Environment(["GREETING": "hi", "PATH": "/usr/bin:/bin"]))
        #expect(lines.all.map(\.1) == ["hi", "/tmp", "eof"])
    }

    @Test func timeoutKillsTheWholeProcessGroup() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try run("sleep 30.\(Self.unique)5 & sleep 31.\(Self.unique)5", timeout: .seconds(1))
        let elapsed = clock.now - start
        #expect(result.timedOut)
        #expect(result.termination == .signaled(SIGTERM))
        #expect(elapsed < .seconds(3), "took \(elapsed)")
        #expect(!processAlive("sleep 30.\(Self.unique)5"))
        #expect(!processAlive("sleep 31.\(Self.unique)5"))
    }

    @Test func aChildThatIgnoresSigtermIsKilledAfterTheGracePeriod() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try run("trap '' TERM; sleep 32.\(Self.unique)5", timeout: .milliseconds(200), grace: .milliseconds(300))
        #expect(result.timedOut)
        #expect(result.termination == .signaled(SIGKILL))
        #expect(clock.now - start < .seconds(3))
        #expect(!processAlive("sleep 32.\(Self.unique)5"))
    }

    @Test func aLeaderThatExitsWhileBackgroundChildrenHoldThePipesDoesNotHang() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try run("sleep 33.\(Self.unique)5 & echo started")
        #expect(result.termination == .exited(0))
        #expect(clock.now - start < .seconds(3))
        #expect(!processAlive("sleep 33.\(Self.unique)5"))
    }

    /// The check the other tests rely on can say "alive".
    @Test func theProcessCheckSeesARunningProcess() throws {
        let cancel = CancelToken()
        let result = Mutex<ChildResult?>(nil)
        let done = CancelToken()
        // Its own thread, not a task: the cooperative pool may be busy with tests that block.
        BlockingThread.start {
            let child = try? self.run("sleep 35.\(Self.unique)5", cancel: cancel)
            result.withLock { $0 = child }
            done.cancel()
        }
        var seen = false
        for _ in 0..<200 where !seen {
            seen = processAlive("sleep 35.\(Self.unique)5")
            if !seen { usleep(20_000) }
        }
        cancel.cancel()
        while !done.isCancelled { usleep(5_000) }
        #expect(seen)
        #expect(result.withLock { $0 }?.cancelled == true)
        #expect(!processAlive("sleep 35.\(Self.unique)5"))
    }

    @Test func cancellationStopsTheGroup() throws {
        let cancel = CancelToken()
        BlockingThread.start {
            usleep(200_000)
            cancel.cancel()
        }
        let result = try run("sleep 34.\(Self.unique)5", cancel: cancel)
        #expect(result.cancelled)
        #expect(result.termination == .signaled(SIGTERM))
        #expect(!processAlive("sleep 34.\(Self.unique)5"))
    }

    @Test func aMissingProgramIsAClearError() {
        #expect {
            try ChildProcess.run(
                ProcessSpec(argv: ["no-such-program-x"], environment: Environment(["PATH": "/usr/bin:/bin"]), workdir: "/tmp"),
                timeout: nil, cancel: CancelToken()
            ) { _, _ in }
        } throws: { error in
            "\(error)" == "cannot start no-such-program-x: No such file or directory"
        }
        #expect {
            try ChildProcess.run(
                ProcessSpec(argv: ["true"], environment: Environment([:]), workdir: "/nonexistent"), timeout: nil, cancel: CancelToken()
            ) { _, _ in }
        } throws: { error in
            "\(error)".contains("/nonexistent does not exist")
        }
    }

    /// A command is looked up as `execvp` does, on real files: past a directory where it is not there, past one
    /// where it may not run (which is then the error), and not past a file that is there but is not a program.
    @Test func theCommandIsLookedUpAsExecvpDoes() throws {
        let directory = try TemporaryDirectory()
        for folder in ["missing", "denied", "broken", "good"] { mkdir(directory.path + "/" + folder, 0o755) }
        chmod(try directory.write("denied/tool", "#!/bin/sh\necho denied\n"), 0o644)
        chmod(try directory.write("broken/tool", "\u{7F}ELF not really\n"), 0o755)
        chmod(try directory.write("good/tool", "#!/bin/sh\necho good\n"), 0o755)
        func run(_ path: String) -> String {
            let lines = Lines()
            do {
                _ = try ChildProcess.run(
                    ProcessSpec(argv: ["tool"], environment: Environment(["PATH": path]), workdir: directory.path),
                    timeout: nil, cancel: CancelToken(), output: lines.append)
                return lines.all.map(\.1).joined()
            } catch {
                return "\(error)"
            }
        }
        #expect(run("missing:denied:good") == "good")
        #expect(run("missing:denied") == "cannot start tool: Permission denied")
        #expect(run("broken:good") == "cannot start tool: Exec format error")
        #expect(run("missing") == "cannot start tool: No such file or directory")
    }
}

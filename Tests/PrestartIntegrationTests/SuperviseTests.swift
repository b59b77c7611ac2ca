import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// Supervise mode on the built binary: as PID 1 of a fresh PID namespace (`unshare`, what a container
/// gives it, without Docker) and as an ordinary child with `--supervise`.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SuperviseTests {
    func directory() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", "[steps.ok]\nkind = \"command\"\nrun = [\"true\"]\n")
        return directory
    }

    /// `prestart ARGS` as PID 1 of a new PID namespace with its own /proc.
    func asPID1(_ arguments: [String], in directory: TemporaryDirectory) throws -> PrestartProcess {
        try PrestartProcess(
            ["unshare", "--pid", "--fork", "--mount-proc", PrestartProcess.binary] + arguments, in: directory,
            direct: false)
    }

    /// prestart's PID outside the namespace: the child `unshare` forked.
    func namespaceInit(of unshare: PrestartProcess) throws -> pid_t {
        try #require(ProcessTable.children(of: unshare.pid).first)
    }

    /// `ps` inside the namespace, with prestart as PID 1, after an orphan has exited: no zombie is left.
    @Test func asPID1AnOrphanTheAppLeftIsReaped() throws {
        let directory = try directory()
        let run = try asPID1(
            ["up", "--", "sh", "-c", "sh -c 'sleep 0.2 &'; sleep 1; ps -eo pid=,stat=,comm= > ps.txt"], in: directory)
        #expect(run.wait() == 0, "\(run.stderr)")
        let processes = directory.read("ps.txt").split(separator: "\n").map { $0.split(separator: " ") }
        #expect(processes.contains { $0.first == "1" && $0.last == "prestart" }, "prestart is PID 1: \(processes)")
        #expect(!processes.contains { $0.count == 3 && $0[1].hasPrefix("Z") }, "a zombie is left: \(processes)")
    }

    /// The same check against an app that is PID 1 itself (`--exec`) and reaps only its own children: the
    /// zombie stays. This is what supervise mode is for, and it shows the check above can fail.
    @Test func asPID1InExecModeAnAppThatDoesNotReapKeepsTheZombie() throws {
        let directory = try directory()
        let script = "system(q{sh -c 'sleep 0.2 &'}); sleep 1; system(q{ps -eo pid=,stat=,comm= > ps.txt})"
        let run = try asPID1(["up", "--exec", "--", "perl", "-e", script], in: directory)
        #expect(run.wait() == 0, "\(run.stderr)")
        let processes = directory.read("ps.txt").split(separator: "\n").map { $0.split(separator: " ") }
        #expect(processes.contains { $0.first == "1" && $0.last == "perl" }, "\(processes)")
        #expect(processes.contains { $0.count == 3 && $0[1].hasPrefix("Z") && $0[2] == "sleep" }, "\(processes)")
    }

    @Test func asPID1SigtermReachesTheAppAndItsExitStatusComesBack() throws {
        let directory = try directory()
        let run = try asPID1(
            ["up", "--", "sh", "-c", "trap 'exit 42' TERM; touch ready; sleep 1000 & wait"], in: directory)
        #expect(directory.waitForFile("ready"))
        kill(try namespaceInit(of: run), SIGTERM)
        #expect(run.wait() == 42, "\(run.stderr)")
    }

    /// A PID 1 cannot die of its own signal, so it exits 143. `unshare` dies of the signal its child died of and
    /// exits with the status its child exited with, so its own end tells the two apart.
    @Test func asPID1AnAppKilledBySigtermGives143() throws {
        let directory = try directory()
        let run = try asPID1(["up", "--", "sh", "-c", "touch ready; exec sleep 1000"], in: directory)
        #expect(directory.waitForFile("ready"))
        kill(try namespaceInit(of: run), SIGTERM)
        #expect(run.termination == .exited(143), "\(run.stderr)")
    }

    /// Outside PID 1 (systemd's `Type=notify` unit) prestart dies of the signal the app died of, after writing
    /// the report: systemd counts a SIGTERM death as a clean stop and exit 143 as a failure.
    @Test func outsidePID1AnAppKilledBySigtermEndsPrestartBySigtermAfterTheReport() throws {
        let directory = try directory()
        let run = try PrestartProcess(
            ["up", "--supervise", "--report", "report.json", "--", "sh", "-c", "touch ready; exec sleep 1000"],
            in: directory)
        #expect(directory.waitForFile("ready"))
        run.signal(SIGTERM)
        #expect(run.termination == .signaled(SIGTERM), "\(run.stderr)")
        #expect(directory.read("report.json").contains(#""exit_code":143,"ended":"killed by SIGTERM"}}"#))
    }

    /// An app that exits 143 itself (a JVM after SIGTERM) is an exit status, passed on as one.
    @Test func outsidePID1AnAppThatExits143GivesExit143() throws {
        let directory = try directory()
        let run = try PrestartProcess.run(["up", "--supervise", "--", "sh", "-c", "exit 143"], in: directory)
        #expect(run.termination == .exited(143), "\(run.stderr)")
    }

    /// The Dockerfile's runtime image runs prestart as an unprivileged user: as PID 1 it must still reap
    /// and forward without any capability.
    @Test func asANonRootPID1OrphansAreReapedAndSigtermReachesTheApp() throws {
        let directory = try directory()
        chmod(directory.path, 0o777)
        let script = """
            sh -c 'sleep 0.2 &'; sleep 1; ps -eo pid=,user=,stat=,comm= > ps.txt
            trap 'exit 42' TERM; touch ready; sleep 1000 & wait
            """
        let run = try PrestartProcess(
            [
                "unshare", "--pid", "--fork", "--mount-proc", "setpriv", "--reuid=10001", "--regid=10001",
                "--clear-groups", PrestartProcess.binary, "up", "--", "sh", "-c", script,
            ], in: directory, direct: false)
        #expect(directory.waitForFile("ready"))
        kill(try namespaceInit(of: run), SIGTERM)
        #expect(run.wait() == 42, "\(run.stderr)")
        let processes = directory.read("ps.txt").split(separator: "\n").map { $0.split(separator: " ") }
        #expect(processes.contains { $0 == ["1", "10001", "Sl", "prestart"] }, "\(processes)")
        #expect(!processes.contains { $0.count == 4 && $0[2].hasPrefix("Z") }, "a zombie is left: \(processes)")
    }

    /// Each forwarded signal is trapped by the app and written down; SIGTERM then ends it.
    @Test func everyForwardedSignalReachesTheApp() throws {
        let directory = try directory()
        let script = """
            for s in HUP INT QUIT USR1 USR2 WINCH; do trap "echo $s >> got" $s; done
            trap 'exit 42' TERM
            touch ready
            while :; do sleep 0.02; done
            """
        let process = try PrestartProcess(["up", "--supervise", "--", "sh", "-c", script], in: directory)
        #expect(directory.waitForFile("ready"))
        var expected: [String] = []
        for (number, name) in [(SIGHUP, "HUP"), (SIGINT, "INT"), (SIGQUIT, "QUIT"), (SIGUSR1, "USR1"),
            (SIGUSR2, "USR2"), (SIGWINCH, "WINCH")]
        {
            process.signal(number)
            expected.append(name)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while directory.read("got").split(separator: "\n").count < expected.count, clock.now < deadline {
                usleep(10_000)
            }
        }
        #expect(directory.read("got").split(separator: "\n").map(String.init) == expected)
        process.signal(SIGTERM)
        #expect(process.wait() == 42, "\(process.stderr)")
    }

    /// `docker run -it`: on a terminal the app's group becomes the foreground, so the app can read it (a
    /// background group reading its terminal is stopped by SIGTTIN) and Ctrl-C reaches the app directly.
    /// `script` provides the terminal.
    @Test func onATerminalTheAppCanReadItAndGetsCtrlC() throws {
        let directory = try directory()
        let app = "\(PrestartProcess.binary) up --log-level error --supervise -- sh -c"
        let read = try PrestartProcess.run(
            [
                "sh", "-c",
                "(sleep 0.5; echo hello) | timeout 20 script -qec \"\(app) 'read x; echo got \\$x; exit 4'\" /dev/null",
            ], in: directory, direct: false)
        #expect(read.exitCode == 4, "\(read.stdout)")
        #expect(read.stdout.contains("got hello"), "\(read.stdout)")
        let interrupt = try PrestartProcess.run(
            [
                "sh", "-c",
                "(sleep 0.5; printf '\\003'; sleep 1) | timeout 20 script -qec \"\(app) 'trap \\\"exit 9\\\" INT; while :; do sleep 0.05; done'\" /dev/null",
            ], in: directory, direct: false)
        #expect(interrupt.exitCode == 9, "\(interrupt.stdout)")
    }

    /// A stopped app keeps a signal pending until it is continued: SIGCONT follows a terminating signal.
    @Test func sigtermReachesAStoppedApp() throws {
        let directory = try directory()
        let process = try PrestartProcess(
            ["up", "--supervise", "--", "sh", "-c", "trap 'exit 42' TERM; touch ready; kill -STOP $$; exit 1"],
            in: directory)
        #expect(directory.waitForFile("ready"))
        let app = try #require(ProcessTable.children(of: process.pid).first)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while (try? FileSystem.readText(atPath: "/proc/\(app)/stat"))?.contains(") T ") != true, clock.now < deadline {
            usleep(10_000)
        }
        process.signal(SIGTERM)
        #expect(process.wait() == 42, "\(process.stderr)")
    }

    /// Outside PID 1, prestart makes itself a child subreaper: the app's orphan gets prestart as its parent.
    @Test func aSupervisingPrestartThatIsNotPID1AdoptsOrphans() throws {
        let directory = try directory()
        let script = "sh -c 'sleep 3 & echo $! > orphan'; sleep 0.3; ps -o ppid= -p $(cat orphan) > parent"
        let process = try PrestartProcess(["up", "--supervise", "--", "sh", "-c", script], in: directory)
        #expect(process.wait() == 0, "\(process.stderr)")
        #expect(directory.read("parent").trimmingSpaces == "\(process.pid)")
    }

    /// In the app's group, in a session of its own, and one that ignores SIGTERM (SIGKILL after the grace).
    @Test func whatTheAppLeftRunningIsStoppedWhenItExits() throws {
        let directory = try directory()
        let script = """
            sleep 43.5 & setsid sleep 44.5 & sh -c "trap '' TERM; sleep 45.5; :" & sleep 0.2; exit 3
            """
        let process = try PrestartProcess(
            ["up", "--supervise", "--log-format", "text", "--", "sh", "-c", script], in: directory)
        #expect(process.wait() == 3)
        #expect(process.stderr.contains("stopping 4 processes the app left running"), "\(process.stderr)")
        #expect(process.stderr.contains("2 processes ignored SIGTERM: SIGKILL"), "\(process.stderr)")
        for leftover in ["sleep 43.5", "sleep 44.5", "sleep 45.5"] {
            #expect(!Shell.processExists(commandLine: leftover), "\(leftover) is still running")
        }
    }

    /// prestart itself ignores SIGPIPE, SIGTTIN and SIGTTOU and is started here with SIGHUP ignored: the
    /// supervised app must inherit none of it. (Signals 32 and 33 belong to glibc: only 1–31 are compared.)
    @Test func theSupervisedAppStartsWithDefaultSignalsAndAnEmptyMask() throws {
        let directory = try directory()
        let run = try PrestartProcess.run(
            [
                "sh", "-c", "trap '' HUP; exec \"$0\" up --supervise -- sh -c \"grep -E '^Sig(Blk|Ign)' /proc/self/status\"",
                PrestartProcess.binary,
            ], in: directory, direct: false)
        #expect(run.exitCode == 0, "\(run.stderr)")
        let masks = run.stdout.split(separator: "\n").compactMap { line in
            UInt64(line.split(separator: "\t").last ?? "", radix: 16).map { $0 & 0x7FFF_FFFF }
        }
        #expect(masks == [0, 0], "\(run.stdout)")
    }

    /// prestart is started with descriptor 5 open and not close-on-exec: the app must not inherit it, nor any
    /// of prestart's own, in either mode.
    @Test(arguments: ["--exec", "--supervise"])
    func theAppGetsOnlyTheStandardDescriptors(_ mode: String) throws {
        let directory = try directory()
        let run = try PrestartProcess.run(
            ["sh", "-c", "exec 5</dev/null; exec \"$0\" up \(mode) -- sh -c 'ls /proc/$$/fd'", PrestartProcess.binary],
            in: directory, direct: false)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n") == ["0", "1", "2"], "\(run.stdout)")
    }

    @Test(arguments: ["--exec", "--supervise"])
    func anAppThatCannotBeFoundExits127AndTheReportKeepsTheSteps(_ mode: String) throws {
        let directory = try directory()
        let run = try PrestartProcess.run(
            ["up", mode, "--log-format", "text", "--report", "report.json", "--", "no-such-app-y"], in: directory)
        #expect(run.exitCode == 127)
        #expect(run.stderr.contains("cannot start the app no-such-app-y: No such file or directory"))
        let report = directory.read("report.json")
        #expect(report.hasPrefix(#"{"status":"failed","exit_code":127,"failed_step":null,"error":"cannot start the app no-such-app-y: No such file or directory","#), "\(report)")
        #expect(report.contains(#"{"name":"ok","kind":"command","state":"succeeded""#), "\(report)")
        #expect(report.hasSuffix(#""app":{"command":["no-such-app-y"],"error":"cannot start the app no-such-app-y: No such file or directory"}}"# + "\n"), "\(report)")
    }

    /// The report is written again when a supervised app ends: its exit code is prestart's, which is the app's.
    @Test func whenASupervisedAppEndsTheReportSaysHow() throws {
        let directory = try directory()
        let run = try PrestartProcess.run(
            ["up", "--supervise", "--report", "report.json", "--", "sh", "-c", "sleep 0.2; kill -TERM $$"], in: directory)
        #expect(run.exitCode == 143, "\(run.stderr)")
        let report = directory.read("report.json")
        #expect(report.hasPrefix(#"{"status":"succeeded","exit_code":143,"failed_step":null,"error":null,"#), "\(report)")
        #expect(report.contains(#"{"name":"ok","kind":"command","state":"succeeded""#), "\(report)")
        let app = try #require(report.firstRange(of: #""app":{"command":["sh","-c","sleep 0.2; kill -TERM $$"],"pid":"#).map { report[$0.upperBound...] })
        #expect(app.contains(#","exit_code":143,"ended":"killed by SIGTERM"}}"#), "\(report)")
        let duration = try #require(app.firstRange(of: #""duration_ms":"#).map { Int(app[$0.upperBound...].prefix { $0.isNumber }) } ?? nil)
        #expect((200..<10_000).contains(duration), "\(report)")
    }

    @Test func superviseAndExecTogetherAreAUsageError() throws {
        let directory = try directory()
        let run = try PrestartProcess.run(["up", "--supervise", "--exec", "--", "true"], in: directory)
        #expect(run.exitCode == 64)
        #expect(run.stderr.contains("--supervise and --exec cannot be combined"))
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let trimmed = drop { $0 == " " || $0 == "\n" }
        return trimmed.prefix { $0 != " " && $0 != "\n" }
    }
}

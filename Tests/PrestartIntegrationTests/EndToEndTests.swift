import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// The built binary, end to end: exit codes, output, report, exec and signals.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct EndToEndTests {
    /// In sleep markers, so another test run on the machine (another checkout) is never mistaken for ours.
    static let unique = getpid()

    func config(_ text: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", text)
        return directory
    }

    func report(_ directory: TemporaryDirectory) -> String {
        directory.read("report.json")
    }

    @Test func aSuccessfulRunExitsZeroStreamsOutputAndReportsEveryStep() throws {
        let directory = try config(
            """
            [steps.first]
            kind = "command"
            run = ["sh", "-c", "echo hello from first"]

            [steps.second]
            kind = "command"
            run = ["sh", "-c", "echo to stderr >&2"]
            after = ["first"]

            [steps.manual]
            kind = "command"
            run = ["false"]
            on-demand = true
            """)
        let run = try PrestartProcess.run(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.contains("[first] | hello from first"))
        #expect(run.stderr.contains("[second] | to stderr"))
        let report = report(directory)
        #expect(report.hasPrefix("{\"status\":\"succeeded\",\"exit_code\":0,\"failed_step\":null,"))
        #expect(report.contains("{\"name\":\"first\",\"kind\":\"command\",\"state\":\"succeeded\",\"attempts\":1,"))
        #expect(report.contains("\"name\":\"second\",\"kind\":\"command\",\"state\":\"succeeded\""))
        #expect(!report.contains("manual"), "an on-demand step is not part of up")
    }

    @Test func aFailingStepExitsOneAndTheReportNamesIt() throws {
        let directory = try config(
            """
            [steps.broken]
            kind = "command"
            run = ["sh", "-c", "exit 3"]

            [steps.after-broken]
            kind = "command"
            run = ["true"]
            after = ["broken"]
            """)
        let run = try PrestartProcess.run(["up", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 1)
        let report = report(directory)
        #expect(report.contains("\"status\":\"failed\",\"exit_code\":1,\"failed_step\":\"broken\""))
        #expect(report.contains("\"state\":\"failed\",\"attempts\":1,"))
        #expect(report.contains("\"exit_code\":3,\"error\":\"sh exited with status 3\""))
        #expect(report.contains("{\"name\":\"after-broken\",\"kind\":\"command\",\"state\":\"not-run\",\"attempts\":0,"))
        // JSON log lines (stderr is not a terminal) carry the exit code as the report does: a number.
        #expect(run.stderr.contains("\"exit_code\":3"), "\(run.stderr)")
        #expect(!run.stderr.contains("\"exit_code\":\"3\""))
    }

    @Test func aCycleIsAConfigErrorThatNamesItsSteps() throws {
        let directory = try config(
            """
            [steps.a]
            kind = "command"
            run = ["true"]
            after = ["b"]

            [steps.b]
            kind = "command"
            run = ["true"]
            after = ["a"]
            """)
        let run = try PrestartProcess.run(["check", "--log-format", "text"], in: directory)
        #expect(run.exitCode == 78)
        #expect(run.stderr.contains("\(directory.path)/prestart.toml:4: steps.a.after: the steps form a cycle: a → b → a"))
        let up = try PrestartProcess.run(["up", "--report", "report.json"], in: directory)
        #expect(up.exitCode == 78)
        #expect(report(directory).hasPrefix("{\"status\":\"config-error\",\"exit_code\":78,"))
    }

    @Test func aTimedOutStepExits124AndLeavesNoProcessOfItsGroup() throws {
        let directory = try config(
            """
            [steps.slow]
            kind = "command"
            run = ["sh", "-c", "sleep 40.\(Self.unique)5 & sleep 41.\(Self.unique)5"]
            timeout = "1s"
            """)
        let clock = ContinuousClock()
        let start = clock.now
        let run = try PrestartProcess.run(["up", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 124)
        #expect(clock.now - start < .seconds(3))
        #expect(!Shell.processExists(commandLine: "sleep 40.\(Self.unique)5"))
        #expect(!Shell.processExists(commandLine: "sleep 41.\(Self.unique)5"))
        #expect(report(directory).contains("\"state\":\"timed-out\""))
    }

    @Test func theAppsExitStatusPassesThroughAndExecKeepsThePID() throws {
        let directory = try config(
            """
            [steps.ok]
            kind = "command"
            run = ["true"]
            """)
        let run = try PrestartProcess.run(["up", "--", "sh", "-c", "echo $$ > app.pid; exit 7"], in: directory)
        #expect(run.exitCode == 7)
        #expect(directory.read("app.pid") == "\(run.pid)\n")
    }

    /// prestart ignores SIGPIPE and is started here with SIGHUP ignored too: the app must get neither.
    /// (Signals 32 and 33 belong to glibc, which refuses to change them, so only 1–31 are compared.)
    @Test func theAppStartsWithDefaultSignalsAndAnEmptyMask() throws {
        let directory = try config("[app]\ncommand = [\"sh\", \"-c\", \"grep -E '^Sig(Blk|Ign)' /proc/self/status\"]\n")
        let run = try PrestartProcess.run(
            ["sh", "-c", "trap '' HUP; exec \"$0\" up", PrestartProcess.binary], in: directory, direct: false)
        #expect(run.exitCode == 0)
        let masks = run.stdout.split(separator: "\n").compactMap { line in
            UInt64(line.split(separator: "\t").last ?? "", radix: 16).map { $0 & 0x7FFF_FFFF }
        }
        #expect(masks == [0, 0], "\(run.stdout)")
    }

    /// A step's command is found on the step's own `PATH` (not prestart's), gets an environment value that is not
    /// UTF-8 byte for byte, and no descriptor of prestart's beyond the standard three (prestart is started here with
    /// descriptor 5 open and not close-on-exec).
    @Test func aStepRunsWithItsOwnPathTheEnvironmentAsItWasAndOnlyTheStandardDescriptors() throws {
        let command = "probe-\(Self.unique)"
        let directory = try config(
            """
            [steps.probe]
            kind = "command"
            run = ["\(command)"]
            env = { PATH = "tools:/usr/bin:/bin" }
            """)
        mkdir(directory.path + "/tools", 0o755)
        let script = try directory.write(
            "tools/\(command)", "#!/bin/sh\nexec sh -c 'printf \"%s\" \"$RAW\" | od -An -tx1; ls /proc/$$/fd'\n")
        chmod(script, 0o755)
        let run = try PrestartProcess.run(
            ["sh", "-c", "exec 5</dev/null; RAW=$(printf 'a\\377b') exec \"$0\" up --log-format text", PrestartProcess.binary],
            in: directory, direct: false)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stderr.contains("[probe] |  61 ff 62"), "\(run.stderr)")
        // `ls` alone, no pipe: the shell would hold a pipeline's ends while `ls` looks.
        let descriptors = run.stderr.split(separator: "\n").compactMap { line in
            line.firstRange(of: "[probe] | ").map { String(line[$0.upperBound...]) }
        }.filter { $0.allSatisfy(\.isNumber) }
        #expect(descriptors == ["0", "1", "2"], "\(run.stderr)")
    }

    /// Started with stdin closed, prestart puts `/dev/null` there before it opens anything, so that neither its own
    /// pipes nor sockets take descriptor 0, and the app starts with all three standard descriptors.
    @Test func aClosedStandardDescriptorIsDevNullForPrestartAndTheApp() throws {
        let directory = try config("[steps.ok]\nkind = \"command\"\nrun = [\"true\"]\n")
        let run = try PrestartProcess.run(
            ["sh", "-c", "exec <&-; exec \"$0\" up -- sh -c 'ls /proc/$$/fd; readlink /proc/$$/fd/0'", PrestartProcess.binary],
            in: directory, direct: false)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout == "0\n1\n2\n/dev/null\n", "\(run.stdout)")
    }

    @Test func withoutAnAppUpExitsAfterTheSteps() throws {
        let directory = try config("[steps.ok]\nkind = \"command\"\nrun = [\"true\"]\n")
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
    }

    /// A config whose `[app]` would leave a mark: steps-only must run the step and never that app.
    static let configWithAnApp = """
        [steps.prepare]
        kind = "command"
        run = ["sh", "-c", "touch step-ran"]

        [app]
        command = ["sh", "-c", "touch app-ran"]
        """

    @Test func noAppRunsTheStepsAndExitsWithoutStartingTheConfiguredApp() throws {
        let directory = try config(Self.configWithAnApp)
        let run = try PrestartProcess.run(["up", "--no-app", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(FileSystem.exists(directory.path + "/step-ran"))
        #expect(!FileSystem.exists(directory.path + "/app-ran"))
        #expect(report(directory).hasPrefix("{\"status\":\"succeeded\",\"exit_code\":0,"))
        // Without the flag the same config does start its app: the check above is about the flag.
        #expect(try PrestartProcess.run(["up"], in: directory).exitCode == 0)
        #expect(FileSystem.exists(directory.path + "/app-ran"))
    }

    @Test func noAppExitsWithTheStepsStatus() throws {
        let directory = try config(
            "[steps.broken]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"exit 3\"]\n[app]\ncommand = [\"true\"]\n")
        #expect(try PrestartProcess.run(["up", "--no-app"], in: directory).exitCode == 1)
    }

    /// For a fixed `ENTRYPOINT ["prestart", "up", "--"]` with a CMD: the variable wins over the CMD and `[app]`.
    @Test(arguments: [
        ["up"], ["up", "--", "sh", "-c", "touch app-ran"], ["up", "--supervise", "--", "sh", "-c", "touch app-ran"],
    ])
    func prestartNoAppRunsTheStepsAndIgnoresTheApp(_ arguments: [String]) throws {
        let directory = try config(Self.configWithAnApp)
        let run = try PrestartProcess.run(arguments, in: directory, environment: ["PRESTART_NO_APP": "1"])
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(FileSystem.exists(directory.path + "/step-ran"))
        #expect(!FileSystem.exists(directory.path + "/app-ran"))
        #expect(run.stderr.contains("PRESTART_NO_APP is set: the steps only"))
        // 0 and the empty string mean off: the app starts.
        for off in ["0", ""] {
            unlink(directory.path + "/app-ran")
            #expect(try PrestartProcess.run(["up"], in: directory, environment: ["PRESTART_NO_APP": off]).exitCode == 0)
            #expect(FileSystem.exists(directory.path + "/app-ran"), "PRESTART_NO_APP=\(off) must not skip the app")
        }
    }

    @Test(arguments: [
        (["up", "--no-app", "--", "sh", "-c", "touch app-ran"], [String: String](), "an app was given after `--`"),
        (["up", "--no-app", "--supervise"], [:], "cannot be combined with --supervise or --exec"),
        (["up"], ["PRESTART_NO_APP": "maybe"], "PRESTART_NO_APP=maybe: expected 1, true or yes"),
    ])
    func aContradictoryNoAppIsAUsageErrorBeforeAnyStep(
        _ arguments: [String], _ environment: [String: String], _ message: String
    ) throws {
        let directory = try config(Self.configWithAnApp)
        let run = try PrestartProcess.run(arguments, in: directory, environment: environment)
        #expect(run.exitCode == 64)
        #expect(run.stderr.contains(message), "\(run.stderr)")
        #expect(!FileSystem.exists(directory.path + "/step-ran"))
        #expect(!FileSystem.exists(directory.path + "/app-ran"))
    }

    @Test func sigtermDuringAStepStopsItsGroupExits143AndWritesTheReport() throws {
        let directory = try config(
            """
            [steps.long]
            kind = "command"
            run = ["sh", "-c", "touch started; sleep 42.\(Self.unique)5"]
            """)
        let process = try PrestartProcess(["up", "--report", "report.json", "--", "true"], in: directory)
        #expect(directory.waitForFile("started"))
        process.signal(SIGTERM)
        #expect(process.wait() == 143)
        #expect(!Shell.processExists(commandLine: "sleep 42.\(Self.unique)5"))
        let report = report(directory)
        #expect(report.hasPrefix("{\"status\":\"interrupted\",\"exit_code\":143,"))
        #expect(report.contains("\"error\":\"stopped by SIGTERM\""))
        #expect(report.contains("\"state\":\"cancelled\""))
    }

    @Test func outputIsNotHeldBackWhileAStepRuns() throws {
        let directory = try config(
            """
            [steps.talk]
            kind = "command"
            run = ["sh", "-c", "echo early line; touch printed; sleep 3"]
            """)
        let process = try PrestartProcess(["up", "--log-format", "json"], in: directory)
        #expect(directory.waitForFile("printed"))
        usleep(200_000)
        #expect(process.stderr.contains("\"message\":\"early line\""))
        process.signal(SIGINT)
        #expect(process.wait() == 130)
    }

    @Test func runStartsAnOnDemandStepWithItsDependencies() throws {
        let directory = try config(
            """
            [steps.base]
            kind = "command"
            run = ["sh", "-c", "echo base >> order"]

            [steps.backfill]
            kind = "command"
            run = ["sh", "-c", "echo backfill >> order"]
            after = ["base"]
            on-demand = true
            """)
        #expect(try PrestartProcess.run(["run", "backfill"], in: directory).exitCode == 0)
        #expect(directory.read("order") == "base\nbackfill\n")
        #expect(try PrestartProcess.run(["run", "backfill", "--no-deps"], in: directory).exitCode == 0)
        #expect(directory.read("order") == "base\nbackfill\nbackfill\n")
        let unknown = try PrestartProcess.run(["run", "nope", "--log-format", "text"], in: directory)
        #expect(unknown.exitCode == 64)
        #expect(unknown.stderr.contains("no step named nope"))
    }

    @Test func theConfigComesFromPrestartConfigWhenNoFlagIsGiven() throws {
        let directory = try config("[steps.x]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"pwd > where\"]\n")
        try directory.write("other.toml", "[steps.y]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"touch other-ran\"]\n")
        #expect(try PrestartProcess.run(["up"], in: directory, environment: ["PRESTART_CONFIG": "other.toml"]).exitCode == 0)
        #expect(FileSystem.exists(directory.path + "/other-ran"))
        #expect(!FileSystem.exists(directory.path + "/where"))
    }

    @Test func graphPrintsMermaidAndDot() throws {
        let directory = try config(
            "[steps.a]\nkind = \"command\"\nrun = [\"true\"]\n[steps.b]\nkind = \"command\"\nrun = [\"true\"]\nafter = [\"a\"]\n")
        let mermaid = try PrestartProcess.run(["graph"], in: directory)
        #expect(mermaid.stdout == "flowchart TD\n    s0[\"a (command)\"]\n    s1[\"b (command)\"]\n    s0 --> s1\n")
        let dot = try PrestartProcess.run(["graph", "--format", "dot"], in: directory)
        #expect(dot.stdout.contains("\"a\" -> \"b\";"))
    }
}

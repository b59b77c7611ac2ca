import Glibc
import Testing

import PrestartTestSupport
@testable import PrestartSystem

/// What systemd's journal gets from prestart: each line's priority, and nothing from the dispatch library.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct JournalLogTests {
    /// `prestart up` with stderr in `err.log` and JOURNAL_STREAM set by the shell to `journalStream` (`$(stat …)`,
    /// the file's own device:inode, as systemd names its stream), the log format left to prestart.
    func run(journalStream: String) throws -> (run: PrestartProcess, log: String) {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            "[steps.ok]\nkind = \"command\"\nrun = [\"true\"]\n\n[steps.broken]\nkind = \"command\"\nrun = [\"false\"]\nafter = [\"ok\"]\n")
        let script = """
            exec 2>err.log; JOURNAL_STREAM=\(journalStream) exec "$0" up
            """
        let run = try PrestartProcess.run(["sh", "-c", script, PrestartProcess.binary], in: directory, direct: false)
        return (run, directory.read("err.log"))
    }

    @Test func underTheJournalEachTextLineCarriesItsPriority() throws {
        let (run, log) = try run(journalStream: "$(stat -c %d:%i err.log)")
        #expect(run.exitCode == 1)
        let lines = log.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("<6>") && $0.contains(" info ") && $0.contains("[ok] succeeded") }, "\(log)")
        #expect(lines.contains { $0.hasPrefix("<3>") && $0.contains(" error ") && $0.contains("step broken failed") }, "\(log)")
        #expect(lines.allSatisfy { $0.hasPrefix("<") }, "every line has a priority: \(log)")
    }

    /// A variable inherited by a process whose stderr was redirected elsewhere names another stream.
    @Test func aJournalStreamThatIsNotStderrChangesNothing() throws {
        let (run, log) = try run(journalStream: "$(stat -c %d:%i prestart.toml)")
        #expect(run.exitCode == 1)
        #expect(log.hasPrefix("{\"time\":"), "JSON lines without a prefix, as on any pipe or file: \(log)")
        #expect(!log.contains("<3>"), "\(log)")
    }

    /// prestart sets LIBDISPATCH_LOG=NO for itself only: the app gets the environment prestart was given.
    @Test(arguments: [("", "unset"), ("LIBDISPATCH_LOG=stderr", "stderr")])
    func theAppDoesNotInheritPrestartsDispatchLogSetting(given: String, seen: String) throws {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", "[steps.ok]\nkind = \"command\"\nrun = [\"true\"]\n")
        let script = """
            \(given) exec "$0" up --supervise -- sh -c 'echo ${LIBDISPATCH_LOG:-unset}'
            """
        let run = try PrestartProcess.run(["sh", "-c", script, PrestartProcess.binary], in: directory, direct: false)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(run.stdout == seen + "\n")
    }
}

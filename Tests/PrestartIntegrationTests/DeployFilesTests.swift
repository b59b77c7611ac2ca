import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// The files under deploy/ and the Dockerfile, checked with the tools that would read them.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct DeployFilesTests {
    static let root = Path.directory(of: Path.directory(of: Path.directory(of: #filePath)))

    /// `systemd-analyze verify` needs every `Exec*=` program to exist: in a private mount namespace, tmpfs
    /// over /usr/local/bin and /srv get prestart and a stand-in app, and nothing on the machine changes.
    /// Warnings (an unknown key, a bad value) do not change verify's exit status, so any output fails too.
    @Test(arguments: ["app-execstartpre.service", "app-notify.service"])
    func systemdVerifiesTheUnit(_ name: String) throws {
        let directory = try TemporaryDirectory()
        let script = """
            set -e
            mount -t tmpfs tmpfs /usr/local/bin && cp "$1" /usr/local/bin/prestart
            mount -t tmpfs tmpfs /srv && mkdir -p /srv/app/.venv/bin && cp /bin/true /srv/app/.venv/bin/fastapi
            exec systemd-analyze verify "$2"
            """
        let run = try PrestartProcess.run(
            [
                "unshare", "--mount", "sh", "-c", script, "verify", PrestartProcess.binary,
                Self.root + "/deploy/systemd/" + name,
            ], in: directory, direct: false)
        #expect(run.exitCode == 0)
        #expect(run.stdout + run.stderr == "")
    }

    /// The init container and `ExecStartPre=` run the steps only, even with a config whose `[app]` is set: the
    /// same file the app's container uses.
    @Test func theInitContainerAndExecStartPreRunTheStepsOnly() throws {
        let kubernetes = try FileSystem.readText(atPath: Self.root + "/deploy/kubernetes/deployment.yaml")
        #expect(kubernetes.contains(
            "command: [\"prestart\", \"up\", \"--no-app\", \"-c\", \"/app/prestart.toml\", \"--log-format\", \"json\"]\n"))
        let systemd = try FileSystem.readText(atPath: Self.root + "/deploy/systemd/app-execstartpre.service")
        #expect(systemd.contains(
            "\nExecStartPre=/usr/local/bin/prestart up --no-app -c /srv/app/prestart.toml\n"))
    }

    /// Under systemd prestart's log goes to the journal, where text lines carry their priority: a unit that asks
    /// for JSON would lose `journalctl -p err`.
    @Test(arguments: ["app-execstartpre.service", "app-notify.service"])
    func theUnitsLeaveTheLogFormatToTheJournal(_ name: String) throws {
        let text = try FileSystem.readText(atPath: Self.root + "/deploy/systemd/" + name)
        #expect(!text.contains("--log-format"))
    }

    /// RestartPreventExitStatus= never sees an ExecStartPre= status: only the start limit ends the restarts of a
    /// config error, so it must trip before the restarts spread past its interval.
    @Test func theExecStartPreUnitsRestartsHitTheStartLimit() throws {
        let text = try FileSystem.readText(atPath: Self.root + "/deploy/systemd/app-execstartpre.service")
        func value(_ key: String) -> Substring? {
            text.split(separator: "\n").first { $0.hasPrefix(key + "=") }?.dropFirst(key.count + 1)
        }
        func seconds(_ text: Substring?) -> Int? {
            guard let text else { return nil }
            if text.hasSuffix("min") { return Int(text.dropLast(3)).map { $0 * 60 } }
            return Int(text.hasSuffix("s") ? text.dropLast() : text)
        }
        let interval = try #require(seconds(value("StartLimitIntervalSec")))
        let burst = try #require(value("StartLimitBurst").flatMap { Int($0) })
        let restart = try #require(seconds(value("RestartSec")))
        #expect(burst <= 5 && (burst - 1) * restart < interval, "interval \(interval) s, burst \(burst), restart \(restart) s")
    }

    /// An app that exits 143 after `systemctl stop`'s SIGTERM has stopped cleanly.
    @Test(arguments: ["app-execstartpre.service", "app-notify.service"])
    func exit143IsASuccess(_ name: String) throws {
        let text = try FileSystem.readText(atPath: Self.root + "/deploy/systemd/" + name)
        #expect(text.contains("\nSuccessExitStatus=143\n"))
    }

    /// A missing or non-executable prestart or app (127, 126) needs a person like a config error does: restarting
    /// forever changes nothing.
    @Test(arguments: ["app-execstartpre.service", "app-notify.service"])
    func systemdDoesNotRestartWhatNeedsAPerson(_ name: String) throws {
        let text = try FileSystem.readText(atPath: Self.root + "/deploy/systemd/" + name)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("RestartPreventExitStatus=") })
        let codes = Set(line.dropFirst("RestartPreventExitStatus=".count).split(separator: " ").map(String.init))
        #expect(codes.isSuperset(of: ["64", "65", "78", "126", "127"]), "\(line)")
    }

    /// What the runtime stage promises: the binary and its two libraries only, a non-root user, and the
    /// entrypoint the README documents.
    @Test func theDockerRuntimeStageIsSmallNonRootAndEndsInPrestartUp() throws {
        let text = try FileSystem.readText(atPath: Self.root + "/Dockerfile")
        let stages = text.split(separator: "\nFROM ").map(String.init)
        #expect(stages.count == 3, "a build stage and a runtime stage")
        let runtime = try #require(stages.last)
        #expect(runtime.contains("apt-get install -y --no-install-recommends libpq5 libsqlite3-0 ca-certificates \\\n"))
        #expect(runtime.contains("COPY --from=build /out/prestart /usr/local/bin/prestart\n"))
        #expect(runtime.contains("\nUSER 10001:10001\n"))
        #expect(runtime.hasSuffix("\nENTRYPOINT [\"prestart\", \"up\", \"--\"]\n"))
        #expect(stages[1].contains("swift build -c release --static-swift-stdlib --product prestart"))
    }
}

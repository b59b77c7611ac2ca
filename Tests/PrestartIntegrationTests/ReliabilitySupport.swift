import Glibc
import PrestartCore
import PrestartTestSupport
import Synchronization
import Testing
import PrestartDatabase
import PrestartSystem

/// The secrets every reliability test puts in play, and the check that none of them reaches an output.
enum Secrets {
    /// The password of `prestart_test` on the throwaway server's TCP port (scripts/pg-throwaway).
    static let databasePassword = "prestart-test-pw"
    /// A `secret` parameter with characters JSON escapes, so a mask applied to the raw text only is caught.
    static let parameter = "sec-\"quoted\"\\back\nline-Zx9"

    static let all = [databasePassword, parameter]

    private static let scanned = Mutex<(outputs: Int, bytes: Int)>((0, 0))

    /// How many outputs (stdout, stderr, reports, ledger texts) were scanned so far, and their size.
    static var totals: (outputs: Int, bytes: Int) { scanned.withLock { $0 } }

    /// Every form a secret could take in an output: as it is, and escaped inside a JSON string.
    static func forms(of secret: String) -> [String] {
        let escaped = String(JSON.string(secret).serialized().dropFirst().dropLast())
        return escaped == secret ? [secret] : [secret, escaped]
    }

    /// Scans `texts` for every secret in `all` and `extra`.
    static func expectAbsent(
        in texts: [(name: String, text: String)], extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        scanned.withLock {
            $0.outputs += texts.count
            $0.bytes += texts.reduce(0) { $0 + $1.text.utf8.count }
        }
        for secret in all + extra {
            for form in forms(of: secret) {
                for (name, text) in texts where text.contains(form) {
                    Issue.record("a secret (\(form.debugDescription)) appears in \(name)", sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// Scans a finished run's stdout and stderr, and every report in `directory`.
    static func expectAbsent(
        from process: PrestartProcess, in directory: TemporaryDirectory, extra: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var texts = [("stdout", process.stdout), ("stderr", process.stderr)]
        for name in (try? FileSystem.list(directory.path)) ?? [] where name.hasSuffix(".json") {
            texts.append((name, directory.read(name)))
        }
        expectAbsent(in: texts, extra: extra, sourceLocation: sourceLocation)
    }
}

/// A run of the built binary whose outputs are scanned for secrets when it ends.
struct Run {
    let process: PrestartProcess
    let directory: TemporaryDirectory
    var extraSecrets: [String] = []

    init(
        _ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:],
        extraSecrets: [String] = [], direct: Bool = true
    ) throws {
        process = try PrestartProcess(arguments, in: directory, environment: environment, direct: direct)
        self.directory = directory
        self.extraSecrets = extraSecrets
    }

    /// Runs to completion.
    static func finished(
        _ arguments: [String], in directory: TemporaryDirectory, environment: [String: String] = [:],
        extraSecrets: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Run {
        let run = try Run(arguments, in: directory, environment: environment, extraSecrets: extraSecrets)
        run.wait(sourceLocation: sourceLocation)
        return run
    }

    /// Waits for the exit and scans the outputs.
    @discardableResult
    func wait(sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
        let code = process.wait()
        Secrets.expectAbsent(from: process, in: directory, extra: extraSecrets, sourceLocation: sourceLocation)
        return code
    }

    /// Waits at most `limit` (a hang guard), then kills the run and returns nil.
    func wait(within limit: Duration, sourceLocation: SourceLocation = #_sourceLocation) -> Int32? {
        let done = CancelToken()
        let killed = Mutex(false)
        let pid = process.pid
        BlockingThread.start {
            let clock = ContinuousClock()
            let deadline = clock.now + limit
            while !done.isCancelled, clock.now < deadline { usleep(10_000) }
            guard !done.isCancelled else { return }
            killed.withLock { $0 = true }
            kill(pid, SIGKILL)
        }
        let code = wait(sourceLocation: sourceLocation)
        done.cancel()
        return killed.withLock { $0 } ? nil : code
    }

    var exitCode: Int32 { process.exitCode }
    var stderr: String { process.stderr }
    var stdout: String { process.stdout }
    var pid: pid_t { process.pid }
    func signal(_ number: Int32) { process.signal(number) }
    var report: String { directory.read("report.json") }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes: a hang guard, not a timing assert.
func eventually(timeout: Duration = .seconds(20), _ condition: () throws -> Bool) rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try condition() { return true }
        usleep(10_000)
    }
    return try condition()
}

extension TestDatabase {
    /// The database's URL over TCP with the password, so every run has a password to keep out of its outputs.
    static func passwordURL(_ database: (url: String, name: String, port: String)) -> String {
        "postgresql://prestart_test:\(Secrets.databasePassword)@127.0.0.1:\(database.port)/\(database.name)"
    }
}

extension DatabaseConnection {
    /// Sessions a prestart process (by its pid) still has on the server.
    func sessions(ofPrestart pid: pid_t) throws -> Int {
        Int(try value("SELECT count(*) FROM pg_stat_activity WHERE application_name ~ '^prestart [^ ]+:\(pid)( |$)'") ?? "")
            ?? -1
    }

    /// Whether a statement containing `marker` is running on another session of this database.
    func isRunning(_ marker: String) throws -> Bool {
        try value(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE state = 'active' AND pid <> pg_backend_pid() AND datname = current_database()
               AND query LIKE '%\(marker)%'
            """) != "0"
    }

    /// Whether another session of this database has run (or runs) a statement containing `marker`.
    func hasRun(_ marker: String) throws -> Bool {
        try value(
            """
            SELECT count(*) FROM pg_stat_activity
             WHERE pid <> pg_backend_pid() AND datname = current_database() AND query LIKE '%\(marker)%'
            """) != "0"
    }

    /// The ledger's text columns, for the secret scan (none before the ledger exists).
    func ledgerTexts() throws -> [(name: String, text: String)] {
        let exists =
            dialect == .postgres
            ? "SELECT to_regclass('prestart_ledger') IS NOT NULL"
            : "SELECT count(*) = 1 FROM sqlite_master WHERE name = 'prestart_ledger'"
        guard ["t", "1"].contains(try value(exists)) else { return [] }
        return try query("SELECT name || ' ' || status || ' ' || coalesce(error, '') FROM prestart_ledger").map {
            ("the ledger", $0.first.flatMap { $0 } ?? "")
        }
    }
}

/// A PostgreSQL cluster of a test's own (scripts/pg-throwaway), which the test may stop, restart or start.
final class OwnCluster {
    let directory: TemporaryDirectory
    let path: String
    let port: Int
    static let pgCtl = "/usr/lib/postgresql/15/bin/pg_ctl"

    /// `prefix` runs the server inside something, e.g. `nsenter --net=…` for a network of its own.
    init(prefix: String = "") throws {
        directory = try TemporaryDirectory()
        chmod(directory.path, 0o755)  // the postgres user must reach the cluster's folder
        path = directory.path + "/pg"
        let scripts = Path.resolve("scripts", against: FileSystem.currentDirectory)
        // The port is chosen here (control() needs it), so a port another process holds is tried again here.
        var failure = ""
        for _ in 1...3 {
            let port = 20000 + Int.random(in: 0..<40000)
            let log = directory.path + "/pg-throwaway.log"
            let status = Shell.run("\(prefix) env PG_THROWAWAY_PORT=\(port) \(scripts)/pg-throwaway start \(path) > \(log) 2>&1")
            if status == 0 {
                self.port = port
                return
            }
            failure = "pg-throwaway start failed with status \(status): " + ((try? FileSystem.readText(atPath: log)) ?? "")
            Shell.run("rm -rf '\(path)'")
        }
        throw TestFailure(failure)
    }

    deinit {
        let scripts = Path.resolve("scripts", against: FileSystem.currentDirectory)
        Shell.run("\(scripts)/pg-throwaway stop \(path) > /dev/null 2>&1")
    }

    /// `stop -m fast` (sessions get 57P01), `stop -m immediate` (they just vanish), `start`, `restart -m fast`.
    @discardableResult
    func control(_ arguments: String) -> Int32 {
        // A plain `start` forgets the options pg-throwaway started the server with (`restart` keeps them).
        let options = "-c listen_addresses=127.0.0.1 -k \(path) -p \(port) -c fsync=off"
        return Shell.run(
            "runuser -u postgres -- \(Self.pgCtl) -D \(path)/data -l \(path)/server.log -w \(arguments) -o '\(options)' > /dev/null 2>&1")
    }

    /// TCP with the password.
    func url(database: String = "postgres") -> String {
        "postgresql://prestart_test:\(Secrets.databasePassword)@127.0.0.1:\(port)/\(database)"
    }

    /// The trusted Unix socket, which no network change reaches.
    var socketURL: String { "postgresql://postgres@/postgres?host=\(path)&port=\(port)" }

    /// The trusted Unix socket, for the test's own checks.
    func connect(database: String = "postgres") throws -> PostgresConnection {
        try PostgresConnection.connect(
            conninfo: "postgresql://postgres@/\(database)?host=\(path)&port=\(port)", connectTimeout: .seconds(5))
    }
}

/// A network namespace of the test's own (root only), whose loopback the test can take down: a black hole for
/// TCP inside it, as when a host dies or a partition drops its packets. Unix sockets are not part of it.
final class NetworkNamespace {
    let holder: PrestartProcess
    let directory: TemporaryDirectory
    let pid: pid_t

    init() throws {
        directory = try TemporaryDirectory()
        holder = try PrestartProcess(
            ["unshare", "--net", "--fork", "sh", "-c", "ip link set lo up && echo $$ > netns.pid && exec sleep 600"],
            in: directory, direct: false)
        guard directory.waitForFile("netns.pid"), let pid = pid_t(directory.read("netns.pid").split(separator: "\n").first ?? "") else {
            throw TestFailure("the network namespace did not start: \(holder.stderr)")
        }
        self.pid = pid
    }

    /// `nsenter` into the namespace, to put before a command.
    var enter: String { "nsenter --net=/proc/\(pid)/ns/net" }

    func cutOff() -> Int32 { Shell.run("\(enter) ip link set lo down") }

    deinit {
        kill(pid, SIGKILL)
        holder.wait()
    }
}

import Glibc
@testable import PrestartCore
import PrestartTestSupport
import Testing
@testable import PrestartDatabase
@testable import PrestartSystem

/// A full disk and a read-only folder, for the SQLite database and for `--report`, on small tmpfs mounts of the
/// test's own (root only: `chmod` does not stop root, a read-only mount does). What must hold: a clear error and
/// the exit status of docs/design.md's table, nothing applied half, nothing lost once there is room again.
@Suite(.serialized, .timeLimit(.minutes(2)), .enabled(if: getuid() == 0, "mounting a tmpfs needs root"))
struct StorageFaultTests {
    /// A tmpfs of `size` at a fresh folder, unmounted when the value goes away.
    final class Mount {
        let directory: TemporaryDirectory
        var path: String { directory.path }

        init(size: String) throws {
            directory = try TemporaryDirectory()
            guard Shell.run("mount -t tmpfs -o size=\(size),mode=755 tmpfs '\(directory.path)'") == 0 else {
                throw TestFailure("cannot mount a tmpfs on \(directory.path)")
            }
        }

        func remount(_ options: String) throws {
            guard Shell.run("mount -o remount,\(options) '\(path)'") == 0 else {
                throw TestFailure("cannot remount \(path) \(options)")
            }
        }

        /// Fills the mount to the last byte.
        func fill() {
            Shell.run("dd if=/dev/zero of='\(path)/filler' bs=64k > /dev/null 2>&1")
        }

        deinit {
            Shell.run("umount -l '\(directory.path)'")
        }
    }

    func project(url: String, steps: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", "[database]\nurl = \"\(url)\"\n\n\(steps)")
        mkdir(directory.path + "/migrations", 0o755)
        return directory
    }

    static let migrations = "[steps.migrations]\nkind = \"migrations\"\ndir = \"migrations\"\n"

    @Test func aFullDiskFailsTheMigrationWholeAndTheNextRunAppliesItOnceThereIsRoom() throws {
        let mount = try Mount(size: "256k")
        let directory = try project(url: "sqlite:///\(mount.path)/app.db", steps: Self.migrations)
        try directory.write("migrations/1-small.sql", "CREATE TABLE small (id INTEGER);\nINSERT INTO small VALUES (1);\n")
        try directory.write(
            "migrations/2-big.sql",
            """
            CREATE TABLE big (v BLOB);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 64)
            INSERT INTO big SELECT zeroblob(16384) FROM n;
            """)
        let full = try Run.finished(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(full.exitCode == 1, "\(full.stderr)")
        // Where SQLite finds the disk full (the insert, the journal, the commit) decides whether a line is named.
        #expect(full.stderr.contains("failed after"))
        #expect(full.stderr.contains("migrations/2-big.sql"))
        #expect(full.stderr.contains("SQLITE_FULL (13): database or disk is full (rolled back)"), "\(full.stderr)")
        #expect(full.report.contains("\"failed_step\":\"migrations\""))
        let before = try SQLiteConnection.open(path: mount.path + "/app.db", busyTimeout: .seconds(5))
        #expect(try before.value("SELECT group_concat(name || ' ' || status) FROM prestart_ledger WHERE status = 'applied'") == "migrations/1-small.sql applied")
        #expect(try before.value("SELECT count(*) FROM sqlite_master WHERE name = 'big'") == "0", "rolled back whole")
        before.close()

        try mount.remount("size=16m")
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        let after = try SQLiteConnection.open(path: mount.path + "/app.db", busyTimeout: .seconds(5))
        defer { after.close() }
        #expect(try after.value("SELECT count(*) FROM big") == "64")
        #expect(try after.value("SELECT count(*) FROM small") == "1")
        #expect(try after.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "2")
    }

    @Test func aReadOnlyFolderForANewDatabaseIsNamedByTheWaitAndTheSqlStep() throws {
        let mount = try Mount(size: "1m")
        try mount.remount("ro")
        let url = "sqlite:///\(mount.path)/app.db"
        let waiting = try project(url: url, steps: "[steps.wait-for-db]\nkind = \"wait\"\ntimeout = \"1s\"\n")
        let wait = try Run.finished(["up", "--log-format", "text"], in: waiting)
        #expect(wait.exitCode == 69, "\(wait.stderr)")
        #expect(wait.stderr.contains("gave up waiting for the database after"))
        #expect(wait.stderr.contains("unable to open database file: \(mount.path)/app.db"), "\(wait.stderr)")

        let seeding = try project(url: url, steps: "[steps.seed]\nkind = \"sql\"\nsql = \"CREATE TABLE t (id INTEGER)\"\n")
        let seed = try Run.finished(["up", "--log-format", "text"], in: seeding)
        #expect(seed.exitCode == 1)
        // A database step takes the run's lock first, beside the database file: the folder is named there.
        #expect(
            seed.stderr.contains("cannot use the lock file \(mount.path)/app.db.prestart-lock: open: Read-only file system"),
            "\(seed.stderr)")
    }

    @Test func aReadOnlyFolderForAnExistingDatabaseStopsTheMigrationsWithTheReason() throws {
        let mount = try Mount(size: "1m")
        let directory = try project(url: "sqlite:///\(mount.path)/app.db", steps: Self.migrations)
        try directory.write("migrations/1-a.sql", "CREATE TABLE a (id INTEGER);\n")
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        try directory.write("migrations/2-b.sql", "CREATE TABLE b (id INTEGER);\n")
        try mount.remount("ro")
        let run = try Run.finished(["up", "--log-format", "text", "--report", "report.json"], in: directory)
        #expect(run.exitCode == 1, "\(run.stderr)")
        #expect(run.stderr.contains("Read-only file system") || run.stderr.contains("attempt to write a readonly database"), "\(run.stderr)")
        #expect(run.report.contains("\"failed_step\":\"migrations\""))
        try mount.remount("rw")
        #expect(try Run.finished(["up"], in: directory).exitCode == 0)
        let connection = try SQLiteConnection.open(path: mount.path + "/app.db", busyTimeout: .seconds(5))
        defer { connection.close() }
        #expect(try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'") == "2")
    }

    /// Found before anything runs: exit 64, and the step that would have run did not.
    @Test(arguments: ["ro", "missing", "folder"])
    func aReportThatCannotBeWrittenIsAUsageErrorBeforeAnyStepRuns(kind: String) throws {
        let mount = try Mount(size: "1m")
        let reportPath: String
        switch kind {
        case "ro":
            try mount.remount("ro")
            reportPath = mount.path + "/report.json"
        case "missing":
            reportPath = mount.path + "/no/such/folder/report.json"
        default:
            mkdir(mount.path + "/report.json", 0o755)
            reportPath = mount.path + "/report.json"
        }
        let directory = try project(url: "sqlite:///app.db", steps: "[steps.mark]\nkind = \"command\"\nrun = [\"touch\", \"ran\"]\n")
        for environment in [["PRESTART_REPORT": reportPath], [:]] {
            let arguments = ["up", "--log-format", "text"] + (environment.isEmpty ? ["--report", reportPath] : [])
            let run = try Run.finished(arguments, in: directory, environment: environment)
            #expect(run.exitCode == 64, "\(run.stderr)")
            #expect(run.stderr.contains("cannot write the report to \(reportPath) (--report or $PRESTART_REPORT):"), "\(run.stderr)")
            #expect(run.stderr.contains("nothing was run"))
            #expect(!FileSystem.exists(directory.path + "/ran"), "a step ran")
        }
    }

    /// The disk fills up during the run: the run's own status stands, the error says so, and the previous run's
    /// report is gone rather than passed off as this one's.
    @Test(arguments: [0, 3])
    func aReportThatTheFullDiskRefusesKeepsTheRunsStatus(stepStatus: Int) throws {
        let mount = try Mount(size: "256k")
        let reportPath = mount.path + "/report.json"
        try FileSystem.writeAtomically(Array("{\"status\":\"succeeded\",\"stale\":true}\n".utf8), toPath: reportPath)
        let directory = try project(
            url: "sqlite:///app.db",
            steps: "[steps.fill]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"dd if=/dev/zero of='\(mount.path)/filler' bs=64k 2>/dev/null; exit \(stepStatus)\"]\n")
        let run = try Run.finished(["up", "--log-format", "text", "--report", reportPath], in: directory)
        #expect(run.exitCode == (stepStatus == 0 ? 0 : 1), "\(run.stderr)")
        #expect(run.stderr.contains("cannot write the report: cannot write \(reportPath).tmp."), "\(run.stderr)")
        #expect(run.stderr.contains("No space left on device; removed the previous report there; the exit status is the run's own"))
        #expect(!FileSystem.exists(reportPath), "the previous run's report is left")
    }
}

import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// Every kind that retries waits out `retry-delay` in the one engine: a SIGTERM during that delay ends the step as
/// `cancelled` (exit 143), never as the `failed` of the attempt before it.
@Suite(
    .serialized, .timeLimit(.minutes(3)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct RetryDelayTests {
    /// Each step's first attempt fails transiently: the database ones on a lock timeout (55P03) behind a table the
    /// test holds locked, the command by exiting 1.
    static let kinds: [(name: String, toml: String)] = [
        ("command", "kind = \"command\"\nrun = [\"sh\", \"-c\", \"exit 1\"]"),
        ("sql", "kind = \"sql\"\nsql = \"INSERT INTO locked VALUES (1)\""),
        ("once-sql", "kind = \"sql\"\nonce = true\nsql = \"INSERT INTO locked VALUES (1)\""),
        ("schema", "kind = \"schema\"\nfile = \"schema.sql\""),
        ("migrations", "kind = \"migrations\"\ndir = \"migrations\""),
    ]

    @Test(arguments: kinds.map(\.name))
    func aStepStoppedDuringItsRetryDelayIsCancelledNotFailed(kind: String) throws {
        let database = try TestDatabase.createDatabase()
        let holder = try TestDatabase.connect(to: database.name)
        defer { holder.close() }
        try holder.execute("CREATE TABLE locked (id int PRIMARY KEY)")
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE locked IN ACCESS EXCLUSIVE MODE")

        let directory = try TemporaryDirectory()
        let toml = try #require(Self.kinds.first { $0.name == kind }?.toml)
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(database.url)"
            settings = { lock_timeout = "100ms" }

            [steps.retrying]
            \(toml)
            retries = 3
            retry-delay = "60s"
            """)
        // The table exists, so create_all creates only the one that references it, which needs a lock on it.
        try directory.write(
            "schema.sql", "CREATE TABLE locked (id int PRIMARY KEY);\nCREATE TABLE child (id int REFERENCES locked (id));\n")
        mkdir(directory.path + "/migrations", 0o755)
        try directory.write("migrations/1-insert.sql", "INSERT INTO locked VALUES (1);\n")

        let run = try PrestartProcess(
            ["up", "--log-format", "text", "--report", "report.json", "--", "true"], in: directory)
        #expect(eventually { run.stderr.contains("retrying in 1m") }, "\(run.stderr)")
        run.signal(SIGTERM)
        #expect(run.wait() == 143, "\(run.stderr)")
        let report = directory.read("report.json")
        #expect(report.contains("\"state\":\"cancelled\""), "\(report)")
        #expect(report.contains("cancelled while waiting to retry"), "\(report)")
        #expect(!report.contains("\"state\":\"failed\""), "\(report)")
        #expect(report.contains("\"attempts\":1"), "\(report)")
    }
}

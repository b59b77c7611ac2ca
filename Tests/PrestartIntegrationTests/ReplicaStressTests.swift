import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// Many replicas starting together, again and again: every once-only unit (SQL migrations, an executable
/// migration, a `once` command and a `once` sql step) is applied exactly once every time, and every replica exits 0.
@Suite(
    .serialized, .timeLimit(.minutes(5)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct ReplicaStressTests {
    static let rounds = 20
    static let sqlMigrations = 8
    /// The SQL migrations, the executable one and the two `once` steps.
    static let units = sqlMigrations + 3

    func project(url: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml",
            """
            [database]
            url = "\(url)"
            lock-timeout = "2m"

            [steps.migrations]
            kind = "migrations"
            dir = "migrations"

            [steps.record-once]
            kind = "command"
            run = ["sh", "-c", "echo \\"$PRESTART_STEP\\" >> once.log"]
            once = true
            after = ["migrations"]

            # Not once-only: idempotent DDL that PostgreSQL does not make safe against a concurrent twin.
            [steps.shared-ddl]
            kind = "sql"
            sql = "CREATE TABLE IF NOT EXISTS shared_ddl (id integer PRIMARY KEY)"

            [steps.seed-once]
            kind = "sql"
            sql = "INSERT INTO seeded (token) VALUES (:token)"
            params = { token = "${TOKEN}" }
            secret = ["token"]
            once = true
            after = ["migrations"]
            """)
        mkdir(directory.path + "/migrations", 0o755)
        try directory.write("migrations/1-seeded.sql", "CREATE TABLE seeded (token text NOT NULL);\n")
        for number in 2...Self.sqlMigrations {
            try directory.write(
                "migrations/\(number)-m\(number).sql",
                "CREATE TABLE m\(number) (id integer PRIMARY KEY);\nINSERT INTO m\(number) VALUES (\(number));\n")
        }
        let script = try directory.write(
            "migrations/\(Self.sqlMigrations + 1)-record.sh", "#!/bin/sh\necho \"$PRESTART_STEP\" >> \"$(dirname \"$0\")/../ran.log\"\n")
        chmod(script, 0o755)
        return directory
    }

    /// Starts `replicas` together, `rounds` times, each round on a fresh database from `database()`, and checks
    /// after each that every unit was applied once.
    func stress(replicas: Int, database: () throws -> (url: String, connect: () throws -> any DatabaseConnection)) throws {
        let (_, took) = try measure {
            for round in 1...Self.rounds {
                let target = try database()
                let directory = try project(url: target.url)
                let runs = try (0..<replicas).map { _ in
                    try Run(["up", "--log-format", "json"], in: directory, environment: ["TOKEN": Secrets.parameter])
                }
                let codes = runs.map { $0.wait() }
                #expect(codes == Array(repeating: 0, count: replicas), "round \(round): \(runs.map(\.stderr).joined().prefix(3000))")
                let connection = try target.connect()
                defer { connection.close() }
                let applied = try connection.value("SELECT count(*) FROM prestart_ledger WHERE status = 'applied'")
                #expect(applied == "\(Self.units)", "round \(round)")
                #expect(try connection.value("SELECT count(*) FROM prestart_ledger") == "\(Self.units)", "round \(round)")
                for number in 2...Self.sqlMigrations {
                    #expect(try connection.value("SELECT count(*) FROM m\(number)") == "1", "round \(round): m\(number)")
                }
                #expect(try connection.query("SELECT token FROM seeded") == [[Secrets.parameter]], "round \(round)")
                #expect(directory.read("ran.log") == "migrations/\(Self.sqlMigrations + 1)-record.sh\n", "round \(round)")
                #expect(directory.read("once.log") == "record-once\n", "round \(round)")
                Secrets.expectAbsent(in: try connection.ledgerTexts())
            }
        }
        print(
            "\(Self.rounds) rounds of \(replicas) replicas (\(Self.rounds * replicas) runs, \(Self.units) units each): every unit applied once, in \(took)"
        )
        let scanned = Secrets.totals
        print("secret scan so far: \(scanned.outputs) outputs, \(scanned.bytes / 1024) KiB")
    }

    @Test func sixteenReplicasOnPostgresApplyEveryUnitOnceTwentyTimes() throws {
        try stress(replicas: 16) {
            let created = try TestDatabase.createDatabase()
            return (TestDatabase.passwordURL(created), { try TestDatabase.connect(to: created.name) })
        }
    }

    @Test func eightReplicasOnSQLiteApplyEveryUnitOnceTwentyTimes() throws {
        try stress(replicas: 8) {
            let folder = try TemporaryDirectory()
            let path = folder.path + "/app.db"
            return (
                "sqlite:///\(path)",
                { [folder] in
                    _ = folder
                    return try SQLiteConnection.open(path: path, busyTimeout: .seconds(5))
                }
            )
        }
    }
}

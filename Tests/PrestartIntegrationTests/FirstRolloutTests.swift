import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

/// A new user's first rollout: 8 replicas of each shipped example started together on a fresh database, 5 rounds.
/// Every replica exits 0, the superuser exists once, and Alembic runs once per round. Before the database steps
/// that are not once-only ran under the run's lock, 7 of 8 replicas of the FastAPI example exited 1 on
/// `CREATE EXTENSION IF NOT EXISTS pgcrypto` (23505: PostgreSQL does not make it safe against a concurrent twin).
@Suite(
    .serialized, .timeLimit(.minutes(6)),
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"))
struct FirstRolloutTests {
    static let replicas = 8
    static let rounds = 5
    static let examples = FileSystem.currentDirectory + "/examples"

    /// Starts the replicas together and returns them once all have ended.
    func rollout(_ arguments: [String], in directory: TemporaryDirectory, environment: [String: String]) throws -> [Run] {
        let runs = try (0..<Self.replicas).map { _ in
            try Run(["up", "--log-format", "text"] + arguments, in: directory, environment: environment)
        }
        for run in runs { _ = run.wait() }
        return runs
    }

    func expectAllExitedZero(_ runs: [Run], round: Int) {
        let codes = runs.map { $0.wait() }
        #expect(
            codes == Array(repeating: 0, count: Self.replicas),
            "round \(round): \(zip(codes, runs).filter { $0.0 != 0 }.map(\.1.stderr).joined().prefix(3000))")
    }

    static func superuserEnvironment(_ url: String) -> [String: String] {
        [
            "DATABASE_URL": url.replacing("postgresql://", with: "postgresql+psycopg://"),
            "FIRST_SUPERUSER": "admin@example.com", "FIRST_SUPERUSER_PASSWORD": Secrets.parameter,
        ]
    }

    @Test func everyReplicaOfTheFastAPIExampleExitsZeroOnAFreshDatabase() throws {
        for round in 1...Self.rounds {
            let database = try TestDatabase.createDatabase()
            let scratch = try TemporaryDirectory()
            let runs = try rollout(
                ["-c", Self.examples + "/fastapi-template/prestart.toml", "--", "true"], in: scratch,
                environment: Self.superuserEnvironment(TestDatabase.passwordURL(database)))
            expectAllExitedZero(runs, round: round)
            let connection = try TestDatabase.connect(to: database.name)
            defer { connection.close() }
            #expect(try connection.value("SELECT count(*) FROM \"user\" WHERE is_superuser") == "1", "round \(round)")
        }
    }

    @Test func everyReplicaOfTheAlembicExampleExitsZeroAndAlembicRunsOnce() throws {
        let alembic = try AlembicStepTests.alembic()
        for round in 1...Self.rounds {
            let database = try TestDatabase.createDatabase()
            let project = try TemporaryDirectory()
            // The example config and seed as shipped, beside the template's Alembic project (a revision that creates
            // the models' tables); `alembic` on PATH counts its runs.
            try project.write(
                "prestart.toml", try FileSystem.readText(atPath: Self.examples + "/fastapi-template/prestart.alembic.toml"))
            mkdir(project.path + "/seed", 0o755)
            try project.write(
                "seed/superuser.sql", try FileSystem.readText(atPath: Self.examples + "/fastapi-template/seed/superuser.sql"))
            try writeTemplateAlembicProject(
                in: project, models: try FileSystem.readText(atPath: Self.examples + "/fastapi-template/schema.sql"))
            mkdir(project.path + "/bin", 0o755)
            let counter = try project.write(
                "bin/alembic", "#!/bin/sh\necho \"$$\" >> \"\(project.path)/alembic-runs.log\"\nexec \(alembic) \"$@\"\n")
            chmod(counter, 0o755)
            var environment = Self.superuserEnvironment(database.url)
            environment["PATH"] = project.path + "/bin:/usr/local/bin:/usr/bin:/bin"
            let runs = try rollout(["--", "true"], in: project, environment: environment)
            expectAllExitedZero(runs, round: round)
            let connection = try TestDatabase.connect(to: database.name)
            defer { connection.close() }
            #expect(try connection.value("SELECT count(*) FROM \"user\" WHERE is_superuser") == "1", "round \(round)")
            #expect(project.read("alembic-runs.log").split(separator: "\n").count == 1, "round \(round): Alembic ran once")
        }
    }

    @Test func everyReplicaOfTheQuickstartExitsZeroOnAFreshDatabase() throws {
        for round in 1...Self.rounds {
            let scratch = try TemporaryDirectory()
            let runs = try rollout(
                ["-c", Self.examples + "/quickstart/prestart.toml", "--", "true"], in: scratch,
                environment: ["DATABASE_URL": "sqlite:///\(scratch.path)/app.db"])
            expectAllExitedZero(runs, round: round)
            let connection = try SQLiteConnection.open(path: scratch.path + "/app.db", busyTimeout: .seconds(5))
            defer { connection.close() }
            #expect(try connection.value("SELECT count(*) FROM account") == "1", "round \(round)")
        }
    }

    /// The template's Alembic project in miniature: `alembic.ini`, an env.py that reads `DATABASE_URL` as the
    /// template's does, and one revision that creates the models' tables.
    func writeTemplateAlembicProject(in project: TemporaryDirectory, models: String) throws {
        try project.write(
            "alembic.ini",
            """
            [alembic]
            script_location = %(here)s/app/alembic
            path_separator = os
            """)
        for folder in ["/app", "/app/alembic", "/app/alembic/versions"] { mkdir(project.path + folder, 0o755) }
        try project.write(
            "app/alembic/env.py",
            """
            import os

            from alembic import context
            from sqlalchemy import create_engine, pool

            engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
            with engine.connect() as connection:
                context.configure(connection=connection, target_metadata=None)
                with context.begin_transaction():
                    context.run_migrations()
            """)
        let statements = models.split(separator: ";").map { $0.trimmingWhitespace() }.filter {
            !$0.isEmpty && !$0.split(separator: "\n").allSatisfy { $0.hasPrefix("--") }
        }
        try project.write(
            "app/alembic/versions/e2412789c190_initialize_models.py",
            """
            \"\"\"Initialize models\"\"\"
            from alembic import op

            revision = "e2412789c190"
            down_revision = None
            branch_labels = None
            depends_on = None

            MODELS = \(String(decoding: JSON.array(statements.map { .string($0) }).serialized().utf8, as: UTF8.self))


            def upgrade():
                for statement in MODELS:
                    op.execute(statement)


            def downgrade():
                pass
            """)
    }
}

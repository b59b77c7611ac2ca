import Testing

import PrestartTestSupport
@testable import PrestartSystem

/// The shipped examples pass `check --strict`, lint included, with their SQL read as PostgreSQL.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct ExampleLintTests {
    static let root = Path.directory(of: Path.directory(of: Path.directory(of: #filePath)))

    @Test(arguments: ["examples/quickstart/prestart.toml", "examples/fastapi-template/prestart.toml"])
    func anExamplePassesCheckStrictAgainstPostgreSQL(_ config: String) throws {
        let directory = try TemporaryDirectory()
        let environment = [
            "DATABASE_URL": "postgresql://app@127.0.0.1:1/app", "FIRST_SUPERUSER": "admin@example.com",
            "FIRST_SUPERUSER_PASSWORD": "changethis",
        ]
        let check = try PrestartProcess.run(
            ["check", "--strict", "-c", Self.root + "/" + config, "--log-format", "text"], in: directory,
            environment: environment)
        #expect(check.exitCode == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stderr.contains("lint: "), "\(check.stderr)")
        #expect(check.stderr.contains("0 warnings, 0 errors"), "\(check.stderr)")
    }
}

import Glibc
import PrestartTestSupport
import Testing

@testable import PrestartCore
@testable import PrestartSystem

/// `format = "…"` in the config: the formats this version completes load, the others are refused with a sentence.
@Suite struct ToolFormatConfigTests {
    func load(
        _ step: String, files: [String: String] = [:], url: String = "postgresql://localhost/app"
    ) throws -> Result<Config, ConfigError> {
        let directory = try TemporaryDirectory()
        mkdir(directory.path + "/db", 0o755)
        for (name, text) in files { _ = try directory.write("db/" + name, text) }
        let text = """
            [database]
            url = "\(url)"

            [steps.migrations]
            kind = "migrations"
            dir = "db"
            \(step)
            """
        let file = try directory.write("prestart.toml", text)
        do {
            return .success(try ConfigLoader(environment: Environment([:])).load(file: file))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [
        ("format = \"dbmate\"\nplaceholders = { a = \"b\" }", "placeholders", "applies only with format = \"flyway\""),
        ("format = \"liquibase\"", "format", "is not a migration format"),
        ("table = \"x\"", "table", "applies only with format"),
        ("format = \"dbmate\"\ntable = \"a.b.c\"", "table", "is not a table name"),
        ("format = \"dbmate\"\nout-of-order = \"sometimes\"", "out-of-order", "must be \"apply\" or \"refuse\""),
    ])
    func unsupportedOrWrongFormatSettingsAreConfigErrors(step: String, key: String, message: String) throws {
        guard case .failure(let error) = try load(step) else {
            Issue.record("loaded")
            return
        }
        #expect(error.key == "steps.migrations.\(key)")
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func toolFormatsNeedPostgreSQL() throws {
        guard case .failure(let error) = try load("format = \"dbmate\"", url: "sqlite:///app.db") else {
            Issue.record("loaded")
            return
        }
        #expect(error.key == "steps.migrations.format")
        #expect(error.message.contains("supported on PostgreSQL only"))
    }

    @Test func aFolderErrorNamesTheFile() throws {
        guard case .failure(let error) = try load("format = \"golang-migrate\"", files: ["1_a.up.sql": "", "01_b.up.sql": ""])
        else {
            Issue.record("loaded")
            return
        }
        #expect(error.message.hasPrefix("db/1_a.up.sql: has the same version (1) and direction as 01_b.up.sql"), "\(error.message)")
    }

    @Test func aToolFolderBecomesUnitsNamedByFile() throws {
        let result = try load(
            "format = \"dbmate\"\nmirror = false",
            files: ["2_b.sql": "-- migrate:up\nB;\n-- migrate:down\n", "1_a.sql": "-- migrate:up\nA;\n-- migrate:down\n"])
        let config = try result.get()
        let step = try #require(config.step(named: "migrations"))
        let kind = try #require(step.kind as? MigrationsStep)
        #expect(step.units.map(\.name) == ["migrations/1_a.sql", "migrations/2_b.sql"])
        #expect(kind.tool?.mirror == false)
        #expect(kind.tool?.outOfOrderApply == true)
        #expect(config.expectedUnits.map(\.file) == ["db/1_a.sql", "db/2_b.sql"])
    }
}

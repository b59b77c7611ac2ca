import PrestartDatabase
import PrestartSystem

extension ConfigLoader {
    static let alembicKeys: Set<String> = ["config", "run", "fast-path"]

    /// `config` resolves against the step's workdir, where Alembic runs; without `run`, a `config` other than the
    /// default is passed to Alembic with `-c`, so both read the same file.
    static func alembic(_ reader: TableReader, database: DatabaseConfig?) throws(ConfigError) -> Step.Alembic {
        try requireDatabase(reader, database)
        let workdir = try reader.path("workdir") ?? reader.context.directory
        let configText = try reader.string("config")
        if configText?.isEmpty == true {
            throw reader.error(key: "config", "must name the ini Alembic reads, e.g. \"alembic.ini\"")
        }
        var run = Step.Alembic.defaultRun
        if let argv = try reader.strings("run") {
            guard !argv.isEmpty else {
                throw reader.error(
                    key: "run",
                    "must not be empty: the command that upgrades, e.g. [\"alembic\", \"upgrade\", \"head\"]")
            }
            run = argv
        } else if let configText, configText != "alembic.ini" {
            run = ["alembic", "-c", configText, "upgrade", "head"]
        }
        return Step.Alembic(
            config: Path.resolve(configText ?? "alembic.ini", against: workdir), run: run,
            fastPath: try reader.bool("fast-path") ?? true)
    }
}

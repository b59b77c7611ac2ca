import PrestartDatabase
import PrestartSystem

extension AlembicStep {
    /// `config` resolves against the step's workdir, where Alembic runs; without `run`, a `config` other than the
    /// default is passed to Alembic with `-c`, so both read the same file.
    public init(reading reader: StepTable) throws(ConfigError) {
        _ = try reader.database()
        let workdir = try reader.path("workdir") ?? reader.directory
        let configText = try reader.string("config")
        if configText?.isEmpty == true {
            throw reader.error(key: "config", "must name the ini Alembic reads, e.g. \"alembic.ini\"")
        }
        var run = Self.defaultRun
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
        self.init(
            config: Path.resolve(configText ?? "alembic.ini", against: workdir), run: run,
            fastPath: try reader.bool("fast-path") ?? true)
    }
}

import PrestartDatabase
import PrestartLint

extension Invocation {
    /// Loads and validates the config, its files and the graph, then asks each step what it can tell without the
    /// database. Throws what loading throws.
    /// A variable that is not set is a warning, not an error: `check` runs where the secrets are not (CI, a
    /// laptop), and `up` stops on it all the same.
    public func check(explicit: String?) async throws(ConfigError) -> CheckResult {
        let config = try loadConfig(explicit: explicit, use: .inspect(needsDatabase: false))
        let context = InspectionContext(
            environment: environment, database: config.database.map { ConnectionPool($0, readOnly: true) })
        var findings: [Finding] = []
        for step in config.steps { findings += await step.kind.check(step, in: context) }
        var result = CheckResult(file: config.file, stepCount: config.steps.count, findings: findings, unset: config.unset)
        result.lint = lint(config)
        result.lintServerVersion = config.lint.serverVersion
        return result
    }
}

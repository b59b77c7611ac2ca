import PrestartDatabase

extension Invocation {
    /// Loads and validates the config, its files and the graph, then asks each step what it can tell without the
    /// database. Throws what loading throws.
    public func check(explicit: String?) async throws(ConfigError) -> CheckResult {
        let config = try loadConfig(explicit: explicit)
        let context = InspectionContext(environment: environment, database: config.database.map(ConnectionPool.init))
        var findings: [Finding] = []
        for step in config.steps { findings += await step.kind.check(step, in: context) }
        return CheckResult(file: config.file, stepCount: config.steps.count, findings: findings)
    }
}

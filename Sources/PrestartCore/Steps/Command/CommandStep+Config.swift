extension CommandStep {
    public init(reading table: StepTable) throws(ConfigError) {
        guard let argv = try table.strings("run"), !argv.isEmpty else {
            throw table.error(key: "run", "is required: the command's argv, e.g. [\"python\", \"-m\", \"app.x\"]")
        }
        self.init(run: argv)
    }
}

extension Invocation {
    /// `schema-diff STEP`: the migration for what a schema step leaves undone, read-only like `plan`.
    public func schemaDiff(_ config: Config, step name: String) async throws -> SchemaMigration {
        guard let step = config.steps.first(where: { $0.name == name }) else {
            throw UsageError("no step named \(name) (steps: \(config.steps.map(\.name).joined(separator: ", ")))")
        }
        guard let schema = step.kind as? SchemaStep else {
            throw UsageError("\(name) is a \(step.kindName) step; schema-diff reads a schema step (kind = \"schema\")")
        }
        return try await schema.migration(step, pool: try config.requireDatabase(), configDirectory: config.directory)
    }
}

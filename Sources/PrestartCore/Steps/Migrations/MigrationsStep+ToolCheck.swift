import Logging
import PrestartSystem

extension MigrationsStep {
    /// For a tool format: the files the tool itself ignores, which prestart ignores too. A file meant as a migration
    /// but named so that the tool skips it would never run under either; `check` is where that shows.
    public func check(_ step: Step, in context: InspectionContext) async -> [Finding] {
        guard let tool else { return [] }
        let folder = Path.relative(directory, to: step.workdir)
        let ignored = tool.folder.ignored.map { name in
            Finding(
                step: step.name, level: .info,
                message: "\(folder)/\(name): ignored, as \(tool.format.rawValue) ignores it (not a migration file name)")
        }
        let external = tool.folder.migrations.filter(\.isExternal).map { migration in
            Finding(
                step: step.name, level: .info,
                message: "\(folder)/\(migration.fileName): external (a Go migration prestart cannot run): adopted once "
                    + "\(tool.format.rawValue) applied it; while it is pending, up applies the SQL before it and stops (exit 65)")
        }
        return ignored + external
    }

    /// Flyway repeatables by name, with their files' checksums now: they run again when it changes.
    var repeatableChecksums: [String: String] {
        Dictionary(
            files.compactMap { file in
                if case .tool(let migration, _) = file.body, migration.isRepeatable { return (file.name, file.checksum) }
                return nil
            }, uniquingKeysWith: { $1 })
    }

    /// The units only the tool's own binary can apply (goose `.go` files), by name.
    var externalUnits: Set<String> {
        Set(files.compactMap { file in
            if case .tool(let migration, _) = file.body, migration.isExternal { return file.name }
            return nil
        })
    }
}

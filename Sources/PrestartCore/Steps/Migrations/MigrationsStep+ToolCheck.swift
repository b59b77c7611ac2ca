import Logging
import PrestartSystem

extension MigrationsStep {
    /// For a tool format: the files the tool itself ignores, which prestart ignores too. A file meant as a migration
    /// but named so that the tool skips it would never run under either; `check` is where that shows.
    public func check(_ step: Step, in context: InspectionContext) async -> [Finding] {
        guard let tool, !tool.folder.ignored.isEmpty else { return [] }
        let folder = Path.relative(directory, to: step.workdir)
        return tool.folder.ignored.map { name in
            Finding(
                step: step.name, level: .info,
                message: "\(folder)/\(name): ignored, as \(tool.format.rawValue) ignores it (not a migration file name)")
        }
    }
}

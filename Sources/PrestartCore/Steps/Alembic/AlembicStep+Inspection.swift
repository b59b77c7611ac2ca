import Logging
import PrestartDatabase
import PrestartSystem

/// An alembic step in `check`, `plan` and `status`: read-only, no lock taken, nothing created.
extension AlembicStep {
    /// Whether the fast path can read the folder's head without the database, or why `up` will run Alembic on every
    /// start; neither is a config error.
    public func check(_ step: Step, in context: InspectionContext) async -> [Finding] {
        guard let pool = context.database else { return [] }
        let finding: (Logger.Level, String)
        switch await readFolder(step, environment: context.environment, pool: pool) {
        case nil:
            finding = (.info, "fast-path = false: `up` runs `\(run.joined(separator: " "))` on every start")
        case .success(let project)?:
            let head = "\(project.head.revision) (\(Path.relative(project.head.file, to: step.workdir)))"
            finding = (.info, "the folder's head is \(head): `up` skips Alembic when the database is there")
        case .failure(let unsure)?:
            let command = run.joined(separator: " ")
            finding = (.warning, "the fast path cannot be sure (\(unsure)): `up` runs `\(command)` on every start")
        }
        return [Finding(step: step.name, level: finding.0, message: finding.1)]
    }

    public func plan(_ step: Step, in context: InspectionContext) async -> [Plan.Line] {
        let text =
            switch await state(step, in: context).check {
            case .atHead(let head): "alembic: at head \(head.revision), skipped without Python"
            case .run(let reason): "alembic: runs `\(run.joined(separator: " "))`: \(reason)"
            }
        return [Plan.Line(name: step.name, text: text)]
    }

    /// The database's revision and the folder's head.
    public func status(_ step: Step, in context: InspectionContext) async -> String? {
        let state = await state(step, in: context)
        let database: String
        switch state.versions {
        case .success(nil): database = "no \(state.table) table"
        case .success(let rows?) where rows.isEmpty: database = "\(state.table) is empty"
        case .success(let rows?): database = "at " + rows.sorted().joined(separator: ", ")
        case .failure(let error): database = "unreadable (\(error))"
        }
        let folder: String
        switch state.project {
        case nil: folder = "not read (fast-path = false)"
        case .success(let project)?:
            folder = "\(project.head.revision) (\(Path.relative(project.head.file, to: step.workdir)))"
        case .failure(let unsure)?: folder = "unknown: \(unsure)"
        }
        let verdict: String
        switch state.check {
        case .atHead: verdict = "at head"
        case .run: verdict = "not at head: `up` runs Alembic"
        }
        return "alembic step \(step.name): database \(database); folder head \(folder); \(verdict)"
    }

    /// What the folder and the database say now.
    private func state(
        _ step: Step, in context: InspectionContext
    ) async -> (
        check: AlembicCheck, project: Result<AlembicProject, AlembicUnsure>?, table: VersionTable,
        versions: Result<[String]?, DatabaseError>
    ) {
        guard let pool = context.database else {
            return (
                .run(reason: "the config has no [database]"), nil, .standard,
                .failure(.client("The config has no [database]."))
            )
        }
        let project = await readFolder(step, environment: context.environment, pool: pool)
        // The table env.py names, as `up` reads it.
        let table = (try? project?.get())?.versionTable ?? .standard
        let versions = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
            try AlembicCheck.versions(connection, table: table)
        }.result
        let check: AlembicCheck
        switch (project, versions) {
        case (nil, _): check = .run(reason: "fast-path = false")
        case (let project?, .success(let rows)):
            check = AlembicCheck.decide(project: project, versions: rows, readFrom: table)
        case (_, .failure(let error)): check = .run(reason: "cannot read alembic_version: \(error)")
        }
        return (check, project, table, versions)
    }

    /// The fast path's reading of the folder, or nil with `fast-path = false`.
    private func readFolder(
        _ step: Step, environment: Environment, pool: ConnectionPool
    ) async -> Result<AlembicProject, AlembicUnsure>? {
        guard fastPath else { return nil }
        let environment = step.childEnvironment(over: environment)
        return await BlockingThread.run { inspect(step, environment: environment, pool: pool) }
    }
}

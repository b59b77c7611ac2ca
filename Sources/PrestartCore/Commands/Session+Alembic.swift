import Logging
import PrestartDatabase
import PrestartSystem

/// The alembic steps in `check`, `plan` and `status`: read-only, no lock taken, nothing created.
extension Session {
    /// What the folder and the database say now, for one alembic step.
    func alembicState(
        _ step: Step, _ alembic: Step.Alembic, config: Config
    ) async -> (
        check: AlembicCheck, project: Result<AlembicProject, AlembicUnsure>?, versions: Result<[String]?, DatabaseError>
    ) {
        guard let database = config.database else {
            return (
                .run(reason: "the config has no [database]"), nil, .failure(.client("The config has no [database]."))
            )
        }
        let pool = ConnectionPool(database)
        let project = await readFolder(step, alembic, pool: pool)
        let versions = await pool.withConnection(timeout: nil) { connection throws(DatabaseError) in
            try AlembicCheck.versions(connection)
        }.result
        let check: AlembicCheck
        switch (project, versions) {
        case (nil, _): check = .run(reason: "fast-path = false")
        case (let project?, .success(let rows)): check = AlembicCheck.decide(project: project, versions: rows)
        case (_, .failure(let error)): check = .run(reason: "cannot read alembic_version: \(error)")
        }
        return (check, project, versions)
    }

    /// `check`'s look at the alembic steps, without the database: whether the fast path can read each folder's
    /// head, or why `up` will run Alembic on every start. Logged; neither is a config error.
    public func checkAlembicFolders(_ config: Config) async {
        guard let database = config.database else { return }
        let pool = ConnectionPool(database)
        for step in config.steps {
            guard case .alembic(let alembic) = step.kind else { continue }
            let metadata: Logger.Metadata = ["step": "\(step.name)"]
            switch await readFolder(step, alembic, pool: pool) {
            case nil:
                logger.info(
                    "fast-path = false: `up` runs `\(alembic.run.joined(separator: " "))` on every start",
                    metadata: metadata)
            case .success(let project)?:
                let head = "\(project.head.revision) (\(Path.relative(project.head.file, to: step.workdir)))"
                logger.info(
                    "the folder's head is \(head): `up` skips Alembic when the database is there", metadata: metadata)
            case .failure(let unsure)?:
                let run = alembic.run.joined(separator: " ")
                logger.warning(
                    "the fast path cannot be sure (\(unsure)): `up` runs `\(run)` on every start", metadata: metadata)
            }
        }
    }

    /// The fast path's reading of an alembic step's folder, or nil with `fast-path = false`.
    private func readFolder(
        _ step: Step, _ alembic: Step.Alembic, pool: ConnectionPool
    ) async -> Result<AlembicProject, AlembicUnsure>? {
        guard alembic.fastPath else { return nil }
        let environment = StepContext(environment: environment, logger: logger).childEnvironment(for: step)
        return await BlockingThread.run { AlembicStep.inspect(step, alembic, environment: environment, pool: pool) }
    }

    /// `plan`'s line for an alembic step.
    func alembicPlan(_ step: Step, _ alembic: Step.Alembic, config: Config) async -> String {
        switch await alembicState(step, alembic, config: config).check {
        case .atHead(let head):
            return "alembic: at head \(head.revision), skipped without Python"
        case .run(let reason):
            return "alembic: runs `\(alembic.run.joined(separator: " "))`: \(reason)"
        }
    }

    /// `status`'s lines for the alembic steps: the database's revision and the folder's head.
    func printAlembicStatus(_ config: Config) async {
        for step in config.steps {
            guard case .alembic(let alembic) = step.kind else { continue }
            let state = await alembicState(step, alembic, config: config)
            let database: String
            switch state.versions {
            case .success(nil): database = "no alembic_version table"
            case .success(let rows?) where rows.isEmpty: database = "alembic_version is empty"
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
            print("alembic step \(step.name): database \(database); folder head \(folder); \(verdict)")
        }
    }
}

import Logging
import PrestartDatabase
import PrestartSystem

/// `kind = "alembic"`: `alembic upgrade head` without Python when the database is already there.
///
/// The folder is read first (the ini, env.py, every revision file: the same for every replica). Then, under the
/// ledger's lock, the version table env.py names is read: the rows Alembic leaves at the heads `run` upgrades to
/// mean `already-applied`, and no Python starts. Otherwise — or whenever prestart is not sure, which it logs —
/// `run` runs while the lock is held, so of N replicas one runs Alembic and the others, once they get the lock,
/// read the table again and skip.
public struct AlembicStep: DatabaseStepKind {
    public static let name = "alembic"
    public static let keys: Set<String> = ["config", "run", "fast-path"]
    public static let defaultRun = ["alembic", "upgrade", "head"]

    /// The ini Alembic reads, absolute (`config`, relative to the step's workdir; default `alembic.ini`).
    public var config: String
    /// What runs when the database is not at head, or prestart is not sure.
    public var run: [String]
    /// false: always run `run` (an env.py with side effects that must happen on every start).
    public var fastPath: Bool

    public init(config: String, run: [String] = defaultRun, fastPath: Bool = true) {
        self.config = config
        self.run = run
        self.fastPath = fastPath
    }

    public func attempt(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
        let pool = database.pool
        let project: Result<AlembicProject, AlembicUnsure>?
        if fastPath {
            let environment = context.childEnvironment(for: step)
            project = await BlockingThread.run { inspect(step, environment: environment, pool: pool) }
        } else {
            project = nil
        }

        return await database.underLock(step) {
            await upgrade(step, project: project, in: context, database: database)
        }
    }

    /// Under the lock: reads the version table (a replica that waited sees what the one before it did), then skips
    /// or runs `run`.
    private func upgrade(
        _ step: Step, project: Result<AlembicProject, AlembicUnsure>?, in context: StepContext, database: RunDatabase
    ) async -> Attempt {
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        let decision: AlembicCheck
        if let project {
            let table = (try? project.get())?.versionTable ?? .standard
            let call = await database.ledger.withSession(timeout: step.timeout) { connection throws(DatabaseError) in
                try AlembicCheck.versions(connection, table: table)
            }
            switch (call.result, call.stopped) {
            case (.success(let versions), _):
                decision = AlembicCheck.decide(project: project, versions: versions, readFrom: table)
            case (.failure, .cancelled?):
                return .cancelled("cancelled while reading \(table)")
            case (.failure(let error), _):
                decision = .run(reason: "cannot read \(table): \(error)")
            }
        } else {
            decision = .run(reason: "fast-path = false")
        }

        switch decision {
        case .atHead(let head):
            let file = Path.relative(head.file, to: step.workdir)
            context.logger.info("at head \(head.revision) (\(file)): nothing for Alembic to do", metadata: metadata)
            var attempt = Attempt(state: .alreadyApplied)
            attempt.revision = head.revision
            return attempt
        case .run(let reason):
            context.logger.info("running \(run.joined(separator: " ")): \(reason)", metadata: metadata)
            var attempt = await CommandStep.run(run, as: step, context: context)
            if attempt.state == .succeeded, case .success(let known)? = project {
                attempt.revision = known.head.revision
            }
            return attempt
        }
    }

    /// The folder side of the check, and what in prestart's own configuration could make its view of
    /// `alembic_version` differ from Alembic's. Blocks on file reads: call it off the cooperative pool.
    func inspect(
        _ step: Step, environment: Environment, pool: ConnectionPool
    ) -> Result<AlembicProject, AlembicUnsure> {
        if pool.settings.contains(where: { $0.name.lowercased() == "search_path" }) {
            return .failure(
                AlembicUnsure("[database] settings sets search_path, which Alembic's sessions may not share"))
        }
        if case .postgres(let conninfo) = pool.url, conninfo.lowercased().contains("search_path") {
            return .failure(AlembicUnsure("the database URL sets search_path, which Alembic's sessions may not share"))
        }
        return Result { () throws(AlembicUnsure) -> AlembicProject in
            try AlembicProject.load(config: config, run: run, workdir: step.workdir, environment: environment)
        }
    }
}

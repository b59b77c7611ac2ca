import Logging

/// `kind = "alembic"`: `alembic upgrade head` without Python when the database is already there.
///
/// The folder is read first (the ini, env.py, every revision file: the same for every replica). Then, under the
/// ledger's lock, the version table env.py names is read: the rows Alembic leaves at the heads `run` upgrades to
/// mean `already-applied`, and no Python starts. Otherwise — or whenever prestart is not sure, which it logs —
/// `run` runs while the lock is held, so of N replicas one runs Alembic and the others, once they get the lock,
/// read the table again and skip.
enum AlembicStep {
    static func run(_ step: Step, alembic: Step.Alembic, context: StepContext) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        var outcome = StepOutcome(name: step.name, kind: step.kind.name, state: .failed, attempts: 1, startedAt: .now)
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        guard let ledger = context.ledger, let pool = context.database else {
            outcome.failure = .failed
            outcome.error = "the alembic step needs the database: add [database] with a url"
            return outcome
        }
        let project: Result<AlembicProject, AlembicUnsure>?
        if alembic.fastPath {
            let environment = context.childEnvironment(for: step)
            project = await BlockingThread.run { inspect(step, alembic, environment: environment, pool: pool) }
        } else {
            project = nil
        }

        do throws(LedgerError) {
            try await ledger.hold(for: step.name)
        } catch {
            outcome.state = Task.isCancelled ? .cancelled : .failed
            outcome.failure = Task.isCancelled ? nil : error.failure
            outcome.error = Task.isCancelled ? "cancelled while waiting for the lock" : error.description
            outcome.duration = clock.now - start
            return outcome
        }
        let decision: AlembicCheck
        if let project {
            // Read under the lock: a replica that waited sees what the one before it did.
            let table = (try? project.get())?.versionTable ?? .standard
            let call = await pool.withConnection(timeout: step.timeout) { connection throws(DatabaseError) in
                try AlembicCheck.versions(connection, table: table)
            }
            switch (call.result, call.stopped) {
            case (.success(let versions), _):
                decision = AlembicCheck.decide(project: project, versions: versions, readFrom: table)
            case (.failure, .cancelled?):
                await ledger.unhold()
                outcome.state = .cancelled
                outcome.error = "cancelled while reading alembic_version"
                outcome.duration = clock.now - start
                return outcome
            case (.failure(let error), _):
                decision = .run(reason: "cannot read alembic_version: \(error)")
            }
        } else {
            decision = .run(reason: "fast-path = false")
        }

        switch decision {
        case .atHead(let head):
            let file = Path.relative(head.file, to: step.workdir)
            context.logger.info("at head \(head.revision) (\(file)): nothing for Alembic to do", metadata: metadata)
            outcome.state = .alreadyApplied
            outcome.revision = head.revision
        case .run(let reason):
            context.logger.info("running \(alembic.run.joined(separator: " ")): \(reason)", metadata: metadata)
            let ran = await CommandStep.run(step, argv: alembic.run, context: context)
            outcome.state = ran.state
            outcome.failure = ran.failure
            outcome.error = ran.error
            outcome.exitCode = ran.exitCode
            outcome.attempts = ran.attempts
            if ran.state == .succeeded, case .success(let known)? = project {
                outcome.revision = known.head.revision
            }
        }
        await ledger.unhold()
        outcome.duration = clock.now - start
        return outcome
    }

    /// The folder side of the check, and what in prestart's own configuration could make its view of
    /// `alembic_version` differ from Alembic's. Blocks on file reads: call it off the cooperative pool.
    static func inspect(
        _ step: Step, _ alembic: Step.Alembic, environment: Environment, pool: ConnectionPool
    ) -> Result<AlembicProject, AlembicUnsure> {
        if pool.settings.contains(where: { $0.name.lowercased() == "search_path" }) {
            return .failure(
                AlembicUnsure("[database] settings sets search_path, which Alembic's sessions may not share"))
        }
        if case .postgres(let conninfo) = pool.url, conninfo.lowercased().contains("search_path") {
            return .failure(AlembicUnsure("the database URL sets search_path, which Alembic's sessions may not share"))
        }
        return Result { () throws(AlembicUnsure) -> AlembicProject in
            try AlembicProject.load(
                config: alembic.config, run: alembic.run, workdir: step.workdir, environment: environment)
        }
    }
}

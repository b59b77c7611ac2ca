import Logging
import PrestartDatabase
import PrestartSystem

/// The attempt of a migrations step with `format = "TOOL"`: under prestart's lock (and the tool's own, while
/// mirroring), adopt the tool's ledger on the first run, refuse what the tool would not run, then apply each pending
/// file's up part as the tool would, writing prestart's row and the tool's in the same transaction.
extension MigrationsStep {
    func attempt(_ step: Step, tool settings: ToolSettings, in context: StepContext, database: RunDatabase) async
        -> Attempt
    {
        let ledger = database.ledger
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        do throws(LedgerError) {
            try await ledger.open(for: step.name)
        } catch {
            return .notLocked(error, waitingFor: "the migration lock")
        }
        let tool = ToolLedger(format: settings.format, table: settings.table)
        var toolLock: Int64?
        if settings.mirror {
            do throws(AdoptionError) {
                toolLock = try await ledger.holdToolLock(tool, timeout: settings.lockTimeout)
            } catch {
                if Task.isCancelled { return .cancelled("cancelled while waiting for \(tool.title)'s lock") }
                if case .lockTimeout = error { return .failed(error.description, .lockTimeout) }
                return .failed(error.description)
            }
        }
        let attempt = await apply(step, settings: settings, tool: tool, ledger: ledger, context: context, metadata: metadata)
        if let toolLock { await ledger.releaseToolLock(toolLock) }
        return attempt
    }

    private func apply(
        _ step: Step, settings: ToolSettings, tool: ToolLedger, ledger: Ledger, context: StepContext,
        metadata: Logger.Metadata
    ) async -> Attempt {
        let logger = context.logger
        let checksums = Dictionary(files.map { ($0.name, $0.checksum) }, uniquingKeysWith: { $1 })
        let all = settings.folder.migrations.map { migration in
            let name = "\(step.name)/\(migration.fileName)"
            return (name: name, checksum: checksums[name] ?? "", migration: migration)
        }
        let start: Ledger.ToolStart
        do throws(AdoptionError) {
            start = try await ledger.startTool(tool, step: step.name, units: all, create: settings.mirror)
        } catch {
            if case .database = error { return .failed("\(tool.title): \(error)") }
            return .failed(error.description, .ledgerConflict)
        }
        if start.adopted > 0 {
            logger.info(
                "adopted \(start.adopted) applied migrations from \(tool.title)\(tool.summary(start.state))",
                metadata: metadata)
        }
        // The highest version applied, in the tool's order, and golang-migrate's row, which must never go down.
        var highest: (version: String, index: Int)?
        for (index, unit) in all.enumerated() where !unit.migration.isRepeatable {
            guard await ledger.isDone(unit.name, force: false) else { continue }
            highest = (unit.migration.version, index)
        }
        var recorded: UInt64? = nil
        if case .version(let version?, _) = start.state { recorded = UInt64(exactly: version) }
        let pending = await files.asyncFilter { file in
            if case .tool(let migration, _) = file.body, migration.isRepeatable {
                // Flyway runs a repeatable again whenever its checksum changes.
                if await ledger.isDone(file.name, force: context.forceOnce),
                    await ledger.entry(named: file.name)?.checksum == file.checksum
                {
                    return false
                }
                return true
            }
            return await !ledger.isDone(file.name, force: context.forceOnce)
        }
        if !settings.outOfOrderApply, let highest {
            for file in pending {
                guard case .tool(let migration, _) = file.body, !migration.isRepeatable,
                    let index = all.firstIndex(where: { $0.name == file.name }), index < highest.index
                else { continue }
                let error = AdoptionError.outOfOrder(
                    file: Path.relative(file.path, to: context.configDirectory), version: migration.version,
                    highest: highest.version, tool: tool)
                return .failed(error.description, .ledgerConflict)
            }
        }
        let clock = ContinuousClock()
        var applied = 0
        for file in pending {
            guard case .tool(let migration, _) = file.body else { continue }
            guard !Task.isCancelled else { return .cancelled("cancelled before \(file.name)") }
            if migration.isExternal {
                let file = Path.relative(file.path, to: context.configDirectory)
                logger.info("\(applied) applied; stopped before \(file)", metadata: metadata)
                return .failed(
                    """
                    \(file) is a Go migration, which prestart cannot run: apply it with \(settings.format.rawValue)'s own \
                    binary (e.g. `goose up-by-one`), then start prestart again; it adopts what goose applied
                    """, .ledgerConflict)
            }
            let unitStart = clock.now
            var version = migration.version
            if settings.format == .golangMigrate, let number = UInt64(version) {
                // Out of order ("apply"): golang-migrate's one row keeps the highest version.
                let highest = max(recorded ?? 0, number)
                recorded = highest
                version = String(highest)
            }
            let mirror = settings.mirror ? tool : nil
            do throws(OnceUnit.Failure) {
                try await ToolUnit(name: file.name, path: file.path, checksum: file.checksum, migration: migration)
                    .apply(step, ledger: ledger, mirror: mirror, mirrorVersion: version, context: context)
            } catch {
                return Attempt(error)
            }
            applied += 1
            logger.info("applied \(file.name) in \(DurationText.format(clock.now - unitStart))", metadata: metadata)
        }
        logger.info("\(applied) applied, \(files.count - applied) already applied", metadata: metadata)
        return applied == 0 && start.adopted == 0 ? Attempt(state: .alreadyApplied) : .succeeded
    }
}

extension Sequence where Element: Sendable {
    fileprivate func asyncFilter(_ isIncluded: (Element) async -> Bool) async -> [Element] {
        var result: [Element] = []
        for element in self where await isIncluded(element) { result.append(element) }
        return result
    }
}

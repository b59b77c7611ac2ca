import Logging
import PrestartSystem

/// The attempt of a migrations step and of a `once` step: its once-only units applied in order under the ledger's
/// lock, each skipped when the ledger says it was applied.
enum OnceWork {
    static func apply(_ units: [OnceUnit], of step: Step, context: StepContext) async -> Attempt {
        guard let database = context.database else {
            return .failed("once-only work needs the database's ledger: add [database] with a url")
        }
        let ledger = database.ledger
        let logger = context.logger
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        do throws(LedgerError) {
            try await ledger.open(for: step.name)
        } catch {
            return .notLocked(error, waitingFor: "the migration lock")
        }
        let clock = ContinuousClock()
        var applied = 0
        for unit in units {
            if await ledger.isDone(unit.name, force: context.forceOnce) { continue }
            guard !Task.isCancelled else { return .cancelled("cancelled before \(unit.name)") }
            let unitStart = clock.now
            do throws(OnceUnit.Failure) {
                try await unit.apply(database, context: context)
            } catch {
                return Attempt(error)
            }
            applied += 1
            if units.count > 1 || unit.name != step.name {
                logger.info("applied \(unit.name) in \(DurationText.format(clock.now - unitStart))", metadata: metadata)
            }
        }
        if units.count > 1 {
            logger.info("\(applied) applied, \(units.count - applied) already applied", metadata: metadata)
        }
        return applied == 0 ? Attempt(state: .alreadyApplied) : .succeeded
    }
}

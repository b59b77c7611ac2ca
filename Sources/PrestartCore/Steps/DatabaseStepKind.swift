/// A step kind whose work is in the database: the engine hands it the run's connections and ledger.
public protocol DatabaseStepKind: StepKind {
    func attempt(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt
}

extension DatabaseStepKind {
    public func attempt(_ step: Step, in context: StepContext) async -> Attempt {
        // Loading the config made sure of a [database] for this kind; a context made without one is a caller's
        // mistake, reported as a failure of the step rather than a crash.
        guard let database = context.database else {
            return .failed("a \(Self.name) step needs the database: add [database] with a url")
        }
        return await attempt(step, in: context, database: database)
    }
}

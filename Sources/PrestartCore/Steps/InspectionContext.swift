public import PrestartDatabase
public import PrestartSystem

/// What a read-only command (`plan`, `status`, `check`) gives a step kind to look with: nothing is created, no lock
/// is taken.
public struct InspectionContext: Sendable {
    /// prestart's own environment.
    public var environment: Environment
    /// The configured database, when there is one.
    public var database: ConnectionPool?

    public init(environment: Environment, database: ConnectionPool?) {
        self.environment = environment
        self.database = database
    }
}

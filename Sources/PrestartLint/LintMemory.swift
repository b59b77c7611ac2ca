/// What the earlier units of one step taught about the tables, in file order: the columns' declared types (so
/// `varchar(10)` → `varchar(20)` is known to be free even offline) and the NOT NULL checks already validated.
public struct LintMemory: Sendable {
    /// `table.column` → the type as declared (`varchar(10)`).
    var columnTypes: [String: String] = [:]
    /// CHECK constraint name → `table.column` it proves NOT NULL.
    var notNullChecks: [String: String] = [:]
    /// `table.column` with a validated CHECK (… IS NOT NULL): on 12+ SET NOT NULL skips its scan.
    var provenNotNull: Set<String> = []

    public init() {}
}

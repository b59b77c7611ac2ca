import PrestartDatabase
public import PrestartLint
import PrestartSystem

/// A validated `prestart.toml`: every value interpolated, every path absolute, the graph checked.
public struct Config: Sendable {
    /// Absolute path of the file this came from.
    public var file: String
    /// The file's folder: relative paths and commands resolve here.
    public var directory: String
    public var database: DatabaseConfig?
    /// Steps in the order the file declares them.
    public var steps: [Step]
    public var app: AppConfig?
    /// Variables that were not set in values the command does not use (``ConfigLoader/Use/inspect(needsDatabase:)``),
    /// each with its file, line and key; always empty for a config loaded to run.
    public var unset: [ConfigError] = []
    /// `[lint]`: what `check` and `plan` weigh their SQL findings with.
    public var lint: LintOptions

    public init(
        file: String, directory: String, database: DatabaseConfig?, steps: [Step], app: AppConfig?,
        lint: LintOptions = LintOptions()
    ) {
        self.file = file
        self.directory = directory
        self.database = database
        self.steps = steps
        self.app = app
        self.lint = lint
    }

    public func step(named name: String) -> Step? {
        steps.first { $0.name == name }
    }

    /// The read-only connections of `status` and `plan` to `[database]`; without one, the error a command that
    /// needs it reports.
    func requireDatabase() throws(DatabaseError) -> ConnectionPool {
        guard let database else { throw DatabaseError.client("The config has no [database], so there is no ledger.") }
        return ConnectionPool(database, readOnly: true)
    }

    /// Every once-only unit with a checksum, for the ledger's integrity check.
    ///
    /// One pass over each step's units, reading each unit's fields in place: `flatMap` and `compactMap` copied and
    /// destroyed every unit twice more, which with 1000 migration files cost more than the checks they feed.
    var expectedUnits: [Ledger.Expected] {
        var expected: [Ledger.Expected] = []
        for step in steps {
            let units = step.units
            expected.reserveCapacity(expected.count + units.count)
            for index in units.indices {
                guard let checksum = units[index].checksum, let source = units[index].source else { continue }
                expected.append(
                    Ledger.Expected(name: units[index].name, source: source, directory: directory, checksum: checksum))
            }
        }
        return expected
    }
}

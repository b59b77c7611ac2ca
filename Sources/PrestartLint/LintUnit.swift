/// One unit of SQL as it will run: a migration file, a sql step's script or a schema file.
public struct LintUnit: Sendable {
    /// The ledger's name (`STEP/FILE`) or the step's.
    public var name: String
    /// The file findings point into, as the user knows it.
    public var file: String
    /// The text as it runs (a sql step's `:name` parameters already turned into `$1`).
    public var text: String
    /// The line of `file` where `text` begins (inline `sql` in the config).
    public var firstLine: Int
    /// Whether the runner wraps the unit in one transaction.
    public var transactional: Bool

    public init(name: String, file: String, text: String, firstLine: Int = 1, transactional: Bool) {
        self.name = name
        self.file = file
        self.text = text
        self.firstLine = firstLine
        self.transactional = transactional
    }
}

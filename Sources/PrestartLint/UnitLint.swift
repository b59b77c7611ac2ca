/// What linting one unit found: each statement with its locks, and the findings.
public struct UnitLint: Sendable {
    public var unit: String
    public var file: String
    public var transactional: Bool
    public var statements: [StatementLocks]
    public var findings: [LintFinding]

    public init(unit: String, file: String, transactional: Bool, statements: [StatementLocks], findings: [LintFinding]) {
        self.unit = unit
        self.file = file
        self.transactional = transactional
        self.statements = statements
        self.findings = findings
    }
}

extension [UnitLint] {
    /// Every finding, in unit order.
    public var findings: [LintFinding] { flatMap(\.findings) }

    /// Whether `check` exits 1: on an error-weighted finding always, on a warning too with `--strict`. Notes never.
    public func fail(strict: Bool) -> Bool {
        findings.contains { $0.severity == .error || (strict && $0.severity == .warn) }
    }
}

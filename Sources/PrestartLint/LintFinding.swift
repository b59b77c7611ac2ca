/// One finding: `FILE:LINE:COL: RULE: message`, the message naming the table, the lock and the safe alternative.
public struct LintFinding: Sendable, Equatable {
    /// The file as the user knows it (relative to the config's folder), or the config file for inline SQL.
    public var file: String
    /// 1-based, of the statement's first token (or of the comment, for `invalid-allow`).
    public var line: Int
    /// 1-based, in characters.
    public var column: Int
    public var rule: LintRule
    public var severity: LintSeverity
    public var message: String

    public init(file: String, line: Int, column: Int, rule: LintRule, severity: LintSeverity, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.rule = rule
        self.severity = severity
        self.message = message
    }

    /// `migrations/0042-add-index.sql:3:1: require-concurrent-index: CREATE INDEX on "user" …`
    public var text: String { "\(file):\(line):\(column): \(rule.rawValue): \(message)" }
}

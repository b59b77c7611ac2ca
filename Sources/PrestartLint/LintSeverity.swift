/// How much a finding weighs: `[lint] rules = { RULE = "error" | "warn" | "off" }`, and `note` for what `plan`
/// knows to be harmless here (the table is new or empty).
public enum LintSeverity: String, Sendable, Comparable, CaseIterable {
    case off
    case note
    case warn
    case error

    public static func < (lhs: LintSeverity, rhs: LintSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

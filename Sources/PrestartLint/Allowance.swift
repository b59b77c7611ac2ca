import PrestartSystem

/// An exception written where it applies: `-- prestart:allow RULE: REASON` on the lines before a statement, or
/// `-- prestart:allow-file RULE: REASON` anywhere between statements for the whole unit. Several rules may share one
/// reason: `-- prestart:allow rename-column, drop-column: the app stopped reading them in 4.2`.
struct Allowance {
    var rules: [LintRule]
    var wholeFile: Bool

    /// What a `--` comment's text (after the dashes) says: nil when it is no allowance; a problem (for
    /// `invalid-allow`) when it is one that does not count.
    static func parse(_ comment: String) -> Result<Allowance, Problem>? {
        var text = Substring(comment).drop { $0 == " " || $0 == "\t" }
        let wholeFile: Bool
        if text.hasPrefix("prestart:allow-file") {
            wholeFile = true
            text = text.dropFirst("prestart:allow-file".count)
        } else if text.hasPrefix("prestart:allow") {
            wholeFile = false
            text = text.dropFirst("prestart:allow".count)
        } else {
            return nil
        }
        guard text.first == " " || text.first == "\t" else {
            return .failure(.malformed("write -- prestart:allow\(wholeFile ? "-file" : "") RULE: REASON"))
        }
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let names = parts[0].split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !names.isEmpty else {
            return .failure(.malformed("name the rule: -- prestart:allow\(wholeFile ? "-file" : "") RULE: REASON"))
        }
        var rules: [LintRule] = []
        for name in names {
            guard let rule = LintRule(rawValue: name) else { return .failure(.unknownRule(name)) }
            rules.append(rule)
        }
        let reason = parts.count > 1 ? parts[1].trimmingWhitespace() : ""
        guard !reason.isEmpty else { return .failure(.noReason(names.joined(separator: ", "))) }
        return .success(Allowance(rules: rules, wholeFile: wholeFile))
    }

    enum Problem: Error {
        case malformed(String)
        case unknownRule(String)
        case noReason(String)

        var message: String {
            switch self {
            case .malformed(let hint): "this prestart:allow comment cannot be read: \(hint)"
            case .unknownRule(let name):
                "prestart:allow names \"\(name)\", which is not a rule; the rules are "
                    + LintRule.allCases.map(\.rawValue).joined(separator: ", ")
            case .noReason(let names):
                "prestart:allow \(names) gives no reason, so it does not count: write the reason after a colon, "
                    + "e.g. -- prestart:allow \(names): the table is created empty by the previous file"
            }
        }
    }
}

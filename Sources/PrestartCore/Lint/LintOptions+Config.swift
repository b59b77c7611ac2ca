import PrestartLint
import TOMLKit

extension LintOptions {
    /// `[lint]`: `rules = { RULE = "error" | "warn" | "off" }` and `server-version = 15` (or `"14.3"`). An unknown
    /// rule or weight is a config error naming the file, line and key.
    init(reading reader: TableReader) throws(ConfigError) {
        try reader.rejectUnknownKeys(allowed: ["rules", "server-version"])
        self.init()
        if let value = reader.table["server-version"] {
            let text: String
            switch value.type {
            case .int: text = String(value.int!)
            case .string: text = try reader.expand(value.string!, key: "server-version")
            default: throw reader.error(key: "server-version", "must be a version like 15 or \"14.3\", not \(TableReader.noun(value.type))")
            }
            guard let number = LintOptions.serverVersion(parsing: text), number >= 90000 else {
                throw reader.error(key: "server-version", "\"\(text)\" is not a PostgreSQL version; write e.g. 15 or \"14.3\"")
            }
            serverVersion = number
        }
        guard let rules = try reader.table("rules") else { return }
        let weights = LintSeverity.allCases.filter { $0 != .note }.map(\.rawValue)
        for name in rules.table.keys.sorted() {
            guard let rule = LintRule(rawValue: name) else {
                throw rules.error(
                    key: name,
                    "is not a lint rule; the rules are \(LintRule.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let value = rules.table[name]!
            guard value.type == .string, let weight = LintSeverity(rawValue: value.string!), weight != .note else {
                throw rules.error(key: name, "must be one of \(weights.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
            severities[rule] = weight
        }
    }
}

/// `[lint]`: each rule's weight and the server version to lint against when no server is asked.
public struct LintOptions: Sendable, Equatable {
    /// `server_version_num` form: 150000 for 15, 140003 for 14.3.
    public var serverVersion: Int
    /// Rules set in `[lint] rules`; the others weigh their ``LintRule/defaultSeverity``.
    public var severities: [LintRule: LintSeverity]

    public static let defaultServerVersion = 150000

    public init(serverVersion: Int = Self.defaultServerVersion, severities: [LintRule: LintSeverity] = [:]) {
        self.serverVersion = serverVersion
        self.severities = severities
    }

    public func severity(of rule: LintRule) -> LintSeverity {
        severities[rule] ?? rule.defaultSeverity
    }

    /// `15` → 150000, `"9.6"` → 90600, `"14.3"` → 140003, `"150004"` → 150004; nil for anything else.
    public static func serverVersion(parsing text: String) -> Int? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let numbers = parts.map { $0! }
        switch numbers.count {
        case 1 where numbers[0] >= 90000: return numbers[0]
        case 1 where (9...99).contains(numbers[0]): return numbers[0] * 10000
        case 2 where numbers[0] == 9: return 90000 + numbers[1] * 100
        case 2 where (10...99).contains(numbers[0]): return numbers[0] * 10000 + numbers[1]
        case 3 where numbers[0] == 9: return 90000 + numbers[1] * 100 + numbers[2]
        default: return nil
        }
    }

    /// `15`, `14.3`, `9.6`.
    public static func versionText(_ number: Int) -> String {
        let major = number / 10000
        if major < 10 { return "\(major).\(number / 100 % 100)" }
        return number % 10000 == 0 ? "\(major)" : "\(major).\(number % 10000)"
    }
}

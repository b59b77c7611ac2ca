import Logging

/// What `check` found: the config is valid (else it threw), and what the steps can tell without a database.
public struct CheckResult: Sendable {
    public var file: String
    public var stepCount: Int
    public var findings: [Finding]
    /// Variables the config uses that are not set here, with file, line and key: `up` would stop on each (exit 78).
    public var unset: [ConfigError] = []

    /// Whether `check --strict` fails: on any unset variable and any finding that is a warning or worse.
    public var hasWarnings: Bool {
        !unset.isEmpty || findings.contains { $0.level >= .warning }
    }
}

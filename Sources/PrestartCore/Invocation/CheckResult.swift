import Logging
public import PrestartLint

/// What `check` found: the config is valid (else it threw), and what the steps can tell without a database.
public struct CheckResult: Sendable {
    public var file: String
    public var stepCount: Int
    public var findings: [Finding]
    /// Variables the config uses that are not set here, with file, line and key: `up` would stop on each (exit 78).
    public var unset: [ConfigError] = []
    /// Every SQL unit linted with PostgreSQL's parser: its statements' locks and its findings.
    public var lint: [UnitLint] = []
    /// `[lint] server-version`, which the lint was checked against.
    public var lintServerVersion = LintOptions.defaultServerVersion

    /// Whether `check --strict` fails: on any unset variable and any finding that is a warning or worse (lint notes
    /// do not count).
    public var hasWarnings: Bool {
        !unset.isEmpty || findings.contains { $0.level >= .warning } || lint.fail(strict: true)
    }
}

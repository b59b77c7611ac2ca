public import PrestartLint

/// What `up` would do, read-only: one line per step, and per once-only unit.
public struct Plan: Sendable {
    public struct Line: Sendable, Equatable {
        /// A step, or a once-only unit (`STEP/FILE`).
        public var name: String
        public var text: String
    }

    public var lines: [Line]
    /// `up` would stop on a changed or blocked unit (exit 65).
    public var blocked: Bool
    /// The SQL units `up` would run, linted against the live server: each statement's locks, and the findings.
    public var lint: [UnitLint] = []
    /// The server version the lint used (`server_version_num`), when it linted anything.
    public var lintServerVersion: Int?
}

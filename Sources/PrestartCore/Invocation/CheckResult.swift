/// What `check` found: the config is valid (else it threw), and what the steps can tell without a database.
public struct CheckResult: Sendable {
    public var file: String
    public var stepCount: Int
    public var findings: [Finding]
}

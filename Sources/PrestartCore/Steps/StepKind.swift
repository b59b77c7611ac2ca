
/// What `kind = "NAME"` means: a kind's settings, read from its `[steps.NAME]` table, and one attempt of its work.
///
/// Each kind lives in a folder of its own under `Steps/` (its settings type, its config reading, its attempt, its
/// lines in `plan`, `status` and `check`) and is listed once in ``StepKinds/all``. ``StepEngine`` does the rest for
/// every kind alike: attempts, retries after transient failures only, the delay between them (cancellable),
/// timing, logging and the outcome.
public protocol StepKind: Sendable {
    /// The value of `kind` in the config.
    static var name: String { get }
    /// The keys its table takes besides those every step shares.
    static var keys: Set<String> { get }
    /// Whether `once = true` may be set: the step is then a once-only unit in the ledger.
    static var takesOnce: Bool { get }
    /// The timeout of a step that sets none.
    static var defaultTimeout: Duration? { get }

    /// Reads the kind's settings; every error names the file, line and key.
    init(reading table: StepTable) throws(ConfigError)

    /// One attempt of the step's work. The step's `timeout` applies to the work itself (the driver that runs it
    /// stops it: a process group gets SIGTERM then SIGKILL, a statement is cancelled), not to waiting for the
    /// ledger's lock, which has a timeout of its own.
    func attempt(_ step: Step, in context: StepContext) async -> Attempt

    /// The once-only units the step stands for, in the order they apply.
    func units(of step: Step) -> [OnceUnit]

    /// Values that must never reach a log line or a report (a `secret` parameter's value).
    var secrets: [String] { get }

    /// `plan`'s lines for a step that is not once-only, when the kind can say more than "runs": the step's own line
    /// first, then one per part of its work (`STEP/…`). Read-only.
    func plan(_ step: Step, in context: InspectionContext) async -> [Plan.Line]

    /// `status`'s line for the step, beside the ledger's rows, when the kind keeps state of its own. Read-only.
    func status(_ step: Step, in context: InspectionContext) async -> String?

    /// What `check` can tell about the step without a database, beyond the config being valid.
    func check(_ step: Step, in context: InspectionContext) async -> [Finding]
}

extension StepKind {
    public static var takesOnce: Bool { false }
    public static var defaultTimeout: Duration? { nil }
    public func units(of step: Step) -> [OnceUnit] { [] }
    public var secrets: [String] { [] }
    public func plan(_ step: Step, in context: InspectionContext) async -> [Plan.Line] { [] }
    public func status(_ step: Step, in context: InspectionContext) async -> String? { nil }
    public func check(_ step: Step, in context: InspectionContext) async -> [Finding] { [] }
}

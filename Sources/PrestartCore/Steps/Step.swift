import PrestartSystem

/// One node of the step graph, as configured: the keys every step shares, and its kind's own settings.
public struct Step: Sendable {
    public var name: String
    /// The kind's settings and behaviour: a ``WaitStep``, ``SQLStep``, ``SchemaStep``, ``MigrationsStep``,
    /// ``AlembicStep`` or ``CommandStep``.
    public var kind: any StepKind
    public var after: [String]
    /// Per attempt; `nil` means no limit.
    public var timeout: Duration?
    /// Extra attempts after a failure a retry can fix.
    public var retries: Int
    public var retryDelay: Duration
    /// Recorded in the ledger: runs once per database.
    public var once: Bool
    /// Not part of `up`; runs only through `prestart run`.
    public var onDemand: Bool
    public var environment: [String: String]
    public var workdir: String
    public var description: String?
    /// The line of the step's `[steps.NAME]` header, for errors found after loading.
    public var line: Int

    public init(
        name: String, kind: any StepKind, after: [String] = [], timeout: Duration? = nil, retries: Int = 0,
        retryDelay: Duration = .seconds(1), once: Bool = false, onDemand: Bool = false,
        environment: [String: String] = [:], workdir: String, description: String? = nil, line: Int = 0
    ) {
        self.name = name
        self.kind = kind
        self.after = after
        self.timeout = timeout
        self.retries = retries
        self.retryDelay = retryDelay
        self.once = once
        self.onDemand = onDemand
        self.environment = environment
        self.workdir = workdir
        self.description = description
        self.line = line
    }

    /// The `kind = "..."` value.
    public var kindName: String {
        type(of: kind).name
    }

    /// Whether the step works under the run's ledger lock: every database step (so replicas run theirs one after
    /// another), and every once-only step.
    public var needsLedgerLock: Bool {
        kind is any DatabaseStepKind || once
    }

    /// The once-only units the step stands for: its migration files, or itself when it is a `once` step.
    public var units: [OnceUnit] {
        kind.units(of: self)
    }

    /// The environment the step's child processes get: `base` with `PRESTART_STEP` and the step's `env` on top.
    func childEnvironment(over base: Environment) -> Environment {
        var environment = base
        environment["PRESTART_STEP"] = name
        for (name, value) in self.environment { environment[name] = value }
        return environment
    }
}

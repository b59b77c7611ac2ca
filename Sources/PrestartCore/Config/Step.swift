/// One node of the step graph, as configured.
public struct Step: Sendable {
    public var name: String
    public var kind: Kind
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

    public enum Kind: Sendable {
        case command(argv: [String])

        public var name: String {
            switch self {
            case .command: "command"
            }
        }
    }

    public init(
        name: String, kind: Kind, after: [String] = [], timeout: Duration? = nil, retries: Int = 0,
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
}

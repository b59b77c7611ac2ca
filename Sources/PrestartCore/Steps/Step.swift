public import PrestartDatabase
public import PrestartSystem

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
        case wait(WaitTarget, interval: Backoff)
        case sql(SQL)
        case migrations(Migrations)
        case schema(SchemaFile)
        case alembic(Alembic)

        public var name: String {
            switch self {
            case .schema: "schema"
            case .command: "command"
            case .wait: "wait"
            case .sql: "sql"
            case .migrations: "migrations"
            case .alembic: "alembic"
            }
        }
    }

    /// A DDL file with `create_all` semantics.
    public struct SchemaFile: Sendable {
        public enum DriftPolicy: String, Sendable, CaseIterable {
            case warn, fail, ignore
        }

        public var file: String
        public var script: SQLScript
        public var drift: DriftPolicy
        /// SHA-256 of the file: the key of what its shadow run taught.
        public var checksum: String

        public init(file: String, script: SQLScript, drift: DriftPolicy, checksum: String) {
            self.file = file
            self.script = script
            self.drift = drift
            self.checksum = checksum
        }
    }

    /// A folder of once-only scripts, in version order.
    public struct Migrations: Sendable {
        public var directory: String
        public var units: [Unit]

        public init(directory: String, units: [Unit]) {
            self.directory = directory
            self.units = units
        }

        public struct Unit: Sendable {
            /// `STEP/FILE`: the name `status`, `resolve` and `run` use.
            public var name: String
            public var file: String
            public var checksum: String
            public var body: Body

            public init(name: String, file: String, checksum: String, body: Body) {
                self.name = name
                self.file = file
                self.checksum = checksum
                self.body = body
            }
        }

        public enum Body: Sendable {
            /// The file's UTF-8 text, split into statements only when it is applied: a no-op run over a folder of
            /// applied files reads and hashes each, and parses none. `transactional` is false after a first line
            /// `-- prestart:no-transaction`.
            case sql(utf8: [UInt8], dialect: SQLDialect, transactional: Bool)
            case executable
        }
    }

    /// What a wait step waits for.
    public enum WaitTarget: Sendable, Equatable, CustomStringConvertible {
        /// Connect and `SELECT 1` through the real driver.
        case database
        case tcp(host: String, port: UInt16)
        case http(host: String, port: UInt16, path: String)
        case file(path: String)

        public var description: String {
            switch self {
            case .database: "the database"
            case .tcp(let host, let port): "tcp://\(host):\(port)"
            case .http(let host, let port, let path): "http://\(host):\(port)\(path)"
            case .file(let path): "file:\(path)"
            }
        }
    }

    /// A sql step's script, parsed for its database, with the values its `:name` parameters take.
    public struct SQL: Sendable {
        public var script: SQLScript
        public var parameters: [String: String]
        /// Parameters whose values are secrets: masked in every log line and report.
        public var secretNames: [String]
        /// Where the text came from, for errors: the SQL file, or the config file for inline `sql`.
        public var origin: String
        /// The line of `origin` where the text's first line is.
        public var firstLine: Int
        /// SHA-256 of the text, for the ledger of a `once` step.
        public var checksum: String

        public init(
            script: SQLScript, parameters: [String: String], secretNames: [String] = [], origin: String,
            firstLine: Int = 1
        ) {
            self.script = script
            self.parameters = parameters
            self.secretNames = secretNames
            self.origin = origin
            self.firstLine = firstLine
            self.checksum = Checksum.sha256(script.statements.map(\.originalText).joined(separator: ";\n"))
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

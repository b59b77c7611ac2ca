public import PrestartDatabase
import PrestartSystem

/// `kind = "migrations"`: a folder of once-only scripts (`*.sql` and executables) applied in version order under
/// the ledger's lock, each recorded with its SHA-256, each skipped once the ledger says it was applied.
public struct MigrationsStep: DatabaseStepKind {
    public static let name = "migrations"
    public static let keys: Set<String> = ["dir"]

    public var directory: String
    /// In version order.
    public var files: [File]

    public init(directory: String, files: [File]) {
        self.directory = directory
        self.files = files
    }

    public struct File: Sendable {
        /// `STEP/FILE`: the name `status`, `resolve` and `run` use.
        public var name: String
        public var path: String
        public var checksum: String
        public var body: Body

        public init(name: String, path: String, checksum: String, body: Body) {
            self.name = name
            self.path = path
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

    public func attempt(_ step: Step, in context: StepContext, database: RunDatabase) async -> Attempt {
        await OnceWork.apply(units(of: step), of: step, context: context)
    }

    public func units(of step: Step) -> [OnceUnit] {
        files.map { file in
            let body: OnceUnit.Body
            switch file.body {
            case .sql(let utf8, let dialect, let transactional):
                body = .sql(
                    .unparsed(utf8: utf8, dialect: dialect), parameters: nil, transactional: transactional,
                    origin: file.path, firstLine: 1)
            case .executable:
                body = .process(argv: [file.path], isMigrationFile: true)
            }
            return OnceUnit(name: file.name, step: step, checksum: file.checksum, body: body)
        }
    }
}

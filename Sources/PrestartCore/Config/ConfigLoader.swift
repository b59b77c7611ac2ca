import TOMLKit
import PrestartDatabase
import PrestartLint
public import PrestartSystem

/// Reads `prestart.toml` into a `Config`: strict (an unknown key is an error), interpolated, with every
/// relative path resolved against the file's folder, and the step graph validated.
public struct ConfigLoader: Sendable {
    public var environment: Environment
    public var use: Use

    /// What the command will do with the config, which decides what an unset variable is.
    public enum Use: Sendable, Equatable {
        /// `up`, `run`, `resolve`: every value may be used, so every unset variable is an error (exit 78) before
        /// anything runs.
        case run
        /// `status`, `plan` (`needsDatabase`), `check`, `graph`: an unset variable in a value the command does not
        /// use is a warning in ``Config/unset``, and the value shows it as `<unset NAME>`. Only `[database]` is used,
        /// and only by the commands that connect.
        case inspect(needsDatabase: Bool)
    }

    public init(environment: Environment = .current, use: Use = .run) {
        self.environment = environment
        self.use = use
    }

    /// `-c FILE`, else `$PRESTART_CONFIG`, else `./prestart.toml`, as an absolute path.
    public func locate(explicit: String?) -> String {
        let chosen = explicit ?? environment["PRESTART_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "prestart.toml"
        return Path.resolve(chosen, against: FileSystem.currentDirectory)
    }

    public func load(file: String) throws(ConfigError) -> Config {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(atPath: file)
        } catch {
            let hint = "; pass -c FILE or set PRESTART_CONFIG"
            throw ConfigError(file: file, message: "cannot read the config file (\(error.description))\(hint)")
        }
        if let invalid = FileSystem.invalidUTF8(in: bytes) {
            throw ConfigError(
                file: file, line: invalid.line, column: invalid.column,
                message: "the file is not UTF-8 text (byte \(invalid.hexByte) here); save it as UTF-8")
        }
        return try load(text: String(decoding: bytes, as: UTF8.self), file: file)
    }

    public func load(text: String, file: String) throws(ConfigError) -> Config {
        if let finding = TOMLPrecheck.firstFinding(in: text) {
            // The parser stops at the first error: one in the lines before the finding's statement comes first.
            // (Split on scalars: "\r\n" is one Character.)
            let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            _ = try Self.parse(lines.prefix(finding.statementLine - 1).map { String($0) + "\n" }.joined(), file: file)
            throw ConfigError(
                file: file, line: finding.line, column: finding.column, message: "invalid TOML: \(finding.message)")
        }
        let root = try Self.parse(text, file: file)
        let directory = Path.directory(of: file)
        let context = ConfigSource(
            file: file, directory: directory, sourceMap: SourceMap(text),
            interpolator: Interpolator(environment: environment, directory: directory), use: use)
        let document = TableReader(table: root, path: [], context: context)
        try document.rejectUnknownKeys(allowed: ["database", "steps", "app", "lint"])

        let database = try document.table("database").map { reader throws(ConfigError) in
            try Self.database(reader)
        }
        var steps: [Step] = []
        if let stepsTable = try document.table("steps") {
            let names = stepsTable.table.keys.sorted {
                (context.sourceMap.line(of: ["steps", $0]) ?? .max, $0)
                    < (context.sourceMap.line(of: ["steps", $1]) ?? .max, $1)
            }
            for name in names {
                guard let reader = try stepsTable.table(name) else {
                    throw stepsTable.error(key: name, "must be a table: [steps.\(name)] with kind = \"...\"")
                }
                steps.append(try Self.step(named: name, reader, database: database))
            }
        }
        let app = try document.table("app").map { reader throws(ConfigError) in try Self.app(reader) }
        let lint = try document.table("lint").map { reader throws(ConfigError) in try LintOptions(reading: reader) }
        var config = Config(
            file: file, directory: directory, database: database, steps: steps, app: app, lint: lint ?? LintOptions())
        try StepGraph.validate(config, sourceMap: context.sourceMap)
        config.unset = context.unset.all
        return config
    }

    /// - Important: Only for text that ``TOMLPrecheck`` passed: TOMLKit aborts the process on some headers.
    private static func parse(_ text: String, file: String) throws(ConfigError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, line: error.source.begin.line, column: error.source.begin.column,
                message: "invalid TOML: \(error.description)")
        } catch {
            throw ConfigError(file: file, message: "invalid TOML: \(error)")
        }
    }

    private static func database(_ reader: TableReader) throws(ConfigError) -> DatabaseConfig {
        try reader.rejectUnknownKeys(allowed: ["url", "settings", "lock-timeout"])
        guard let text = try reader.string("url") else {
            throw reader.error(key: "url", "is required, e.g. url = \"${DATABASE_URL}\" or \"sqlite:///app.db\"")
        }
        let url: DatabaseURL
        if Interpolator.containsPlaceholder(text), reader.context.toleratesUnset(at: reader.path + ["url"]) {
            // A command that never connects (check, graph) needs only the dialect, which the scheme tells when it is
            // written out; the URL itself stays unknown.
            url = text.hasPrefix("sqlite") ? .sqlite(path: text) : .postgres(conninfo: text)
        } else {
            do {
                url = try DatabaseURL.parse(text, relativeTo: reader.context.directory)
            } catch {
                throw reader.error(key: "url", error.description)
            }
        }
        let settings = try reader.stringTable("settings") ?? []
        if let (name, _) = settings.first, url.dialect != .postgres {
            throw reader.error(key: "settings", "\(name): settings are PostgreSQL run-time parameters; the database is SQLite")
        }
        for (name, _) in settings where !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }) {
            throw reader.error(key: "settings", "\"\(name)\" is not a PostgreSQL parameter name")
        }
        return DatabaseConfig(
            url: url, settings: settings, lockTimeout: try reader.duration("lock-timeout") ?? .seconds(600))
    }

    private static func app(_ reader: TableReader) throws(ConfigError) -> AppConfig {
        try reader.rejectUnknownKeys(allowed: ["command", "env", "workdir"])
        guard let command = try reader.strings("command"), !command.isEmpty else {
            throw reader.error(key: "command", "is required: the app's argv, e.g. [\"fastapi\", \"run\", \"app/main.py\"]")
        }
        return AppConfig(
            command: command,
            environment: Dictionary(try reader.stringTable("env") ?? [], uniquingKeysWith: { $1 }),
            workdir: try reader.path("workdir") ?? reader.context.directory)
    }

    static let commonStepKeys: Set<String> = [
        "kind", "after", "timeout", "retries", "retry-delay", "once", "on-demand", "env", "workdir", "description",
    ]

    /// The keys every step shares; the kind, found in ``StepKinds``, reads the rest.
    private static func step(
        named name: String, _ reader: TableReader, database: DatabaseConfig?
    ) throws(ConfigError) -> Step {
        guard Self.isValidStepName(name) else {
            throw reader.error(
                "is not a valid step name: use letters, digits, '-', '_' and '.', starting with a letter or digit")
        }
        guard let kindName = try reader.string("kind") else {
            throw reader.error(key: "kind", "is required (one of: \(StepKinds.names))")
        }
        guard let kindType = StepKinds.named(kindName) else {
            throw reader.error(
                key: "kind", "\"\(kindName)\" is not a step kind this version knows (one of: \(StepKinds.names))")
        }
        try reader.rejectUnknownKeys(allowed: commonStepKeys.union(kindType.keys))
        let kind = try kindType.init(reading: StepTable(reader: reader, name: name, database: database))
        let once = try reader.bool("once") ?? false
        if kindType.takesOnce {
            if once, database == nil {
                throw reader.error(key: "once", "records the step in the database's ledger: add [database] with a url")
            }
        } else if reader.table["once"] != nil {
            let takers = StepKinds.all.filter { $0.takesOnce }.map { $0.name }.joined(separator: " and ")
            throw reader.error(key: "once", "applies to \(takers) steps (migrations are once-only by nature)")
        }
        let retries = try reader.int("retries") ?? 0
        guard retries >= 0 else { throw reader.error(key: "retries", "must be 0 or more, not \(retries)") }
        return Step(
            name: name,
            kind: kind,
            after: try reader.strings("after") ?? [],
            timeout: try reader.duration("timeout") ?? kindType.defaultTimeout,
            retries: retries,
            retryDelay: try reader.duration("retry-delay") ?? .seconds(1),
            once: once,
            onDemand: try reader.bool("on-demand") ?? false,
            environment: Dictionary(try reader.stringTable("env") ?? [], uniquingKeysWith: { $1 }),
            workdir: try reader.path("workdir") ?? reader.context.directory,
            description: try reader.string("description"),
            line: reader.context.sourceMap.line(of: reader.path) ?? 0)
    }

    static func isValidStepName(_ name: String) -> Bool {
        func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        guard let first = name.unicodeScalars.first, isAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }
}

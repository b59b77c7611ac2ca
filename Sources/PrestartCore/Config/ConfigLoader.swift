import TOMLKit
import PrestartDatabase
public import PrestartSystem

/// Reads `prestart.toml` into a `Config`: strict (an unknown key is an error), interpolated, with every
/// relative path resolved against the file's folder, and the step graph validated.
public struct ConfigLoader: Sendable {
    public var environment: Environment

    public init(environment: Environment = .current) {
        self.environment = environment
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
        let context = Context(
            file: file, directory: directory, sourceMap: SourceMap(text),
            interpolator: Interpolator(environment: environment, directory: directory))
        let document = TableReader(table: root, path: [], context: context)
        try document.rejectUnknownKeys(allowed: ["database", "steps", "app"])

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
        let config = Config(file: file, directory: directory, database: database, steps: steps, app: app)
        try StepGraph.validate(config, sourceMap: context.sourceMap)
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
        do {
            url = try DatabaseURL.parse(text, relativeTo: reader.context.directory)
        } catch {
            throw reader.error(key: "url", error.description)
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

    private static func step(
        named name: String, _ reader: TableReader, database: DatabaseConfig?
    ) throws(ConfigError) -> Step {
        guard Self.isValidStepName(name) else {
            throw reader.error(
                "is not a valid step name: use letters, digits, '-', '_' and '.', starting with a letter or digit")
        }
        let kinds = "one of: wait, schema, sql, migrations, alembic, command"
        guard let kindName = try reader.string("kind") else {
            throw reader.error(key: "kind", "is required (\(kinds))")
        }
        let kind: Step.Kind
        var timeout = try reader.duration("timeout")
        switch kindName {
        case "command":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(["run"]))
            guard let argv = try reader.strings("run"), !argv.isEmpty else {
                throw reader.error(key: "run", "is required: the command's argv, e.g. [\"python\", \"-m\", \"app.x\"]")
            }
            kind = .command(argv: argv)
        case "wait":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(["target", "interval"]))
            let target = try waitTarget(reader, database: database)
            kind = .wait(target, interval: try reader.backoff("interval") ?? WaitStep.defaultInterval)
            timeout = timeout ?? WaitStep.defaultTimeout
        case "sql":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(["file", "sql", "params", "secret"]))
            kind = .sql(try sql(reader, database: database))
        case "schema":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(["file", "drift"]))
            kind = .schema(try schema(reader, database: database))
        case "migrations":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(["dir"]))
            kind = .migrations(try migrations(named: name, reader, database: database))
        case "alembic":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(alembicKeys))
            kind = .alembic(try alembic(reader, database: database))
        default:
            throw reader.error(key: "kind", "\"\(kindName)\" is not a step kind this version knows (\(kinds))")
        }
        let once = try reader.bool("once") ?? false
        switch kind {
        case .command, .sql:
            if once, database == nil {
                throw reader.error(key: "once", "records the step in the database's ledger: add [database] with a url")
            }
        case .wait, .migrations, .schema, .alembic:
            if reader.table["once"] != nil {
                throw reader.error(key: "once", "applies to command and sql steps (migrations are once-only by nature)")
            }
        }
        let retries = try reader.int("retries") ?? 0
        guard retries >= 0 else { throw reader.error(key: "retries", "must be 0 or more, not \(retries)") }
        return Step(
            name: name,
            kind: kind,
            after: try reader.strings("after") ?? [],
            timeout: timeout,
            retries: retries,
            retryDelay: try reader.duration("retry-delay") ?? .seconds(1),
            once: once,
            onDemand: try reader.bool("on-demand") ?? false,
            environment: Dictionary(try reader.stringTable("env") ?? [], uniquingKeysWith: { $1 }),
            workdir: try reader.path("workdir") ?? reader.context.directory,
            description: try reader.string("description"),
            line: reader.context.sourceMap.line(of: reader.path) ?? 0)
    }

    static func requireDatabase(_ reader: TableReader, _ database: DatabaseConfig?) throws(ConfigError) {
        guard database == nil else { return }
        throw reader.error(
            key: "kind", "needs a database: add [database] with url = \"${DATABASE_URL}\" or \"sqlite:///app.db\"")
    }

    private static func waitTarget(_ reader: TableReader, database: DatabaseConfig?) throws(ConfigError) -> Step.WaitTarget {
        guard let text = try reader.string("target"), text != "database" else {
            try requireDatabase(reader, database)
            return .database
        }
        let invalid = reader.error(
            key: "target", "\"\(text)\" is not a wait target (database, tcp://HOST:PORT, http://HOST[:PORT]/PATH, file:PATH)")
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw invalid }
            return .file(path: Path.resolve(path, against: reader.context.directory))
        }
        if text.hasPrefix("https://") {
            throw reader.error(key: "target", "https is not supported; wait for the port with tcp://HOST:443")
        }
        for (scheme, defaultPort) in [("tcp://", UInt16?.none), ("http://", UInt16(80))] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            let authority = rest.prefix { $0 != "/" }
            let path = rest.dropFirst(authority.count)
            var host = Substring(authority)
            var port = defaultPort
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                guard let number = UInt16(authority[authority.index(after: colon)...]), number > 0 else { throw invalid }
                host = authority[..<colon]
                port = number
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty, let port else { throw invalid }
            if scheme == "tcp://" {
                guard path.isEmpty || path == "/" else { throw invalid }
                return .tcp(host: String(host), port: port)
            }
            return .http(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
        }
        throw invalid
    }

    private static func sql(_ reader: TableReader, database: DatabaseConfig?) throws(ConfigError) -> Step.SQL {
        try requireDatabase(reader, database)
        let dialect = database!.url.dialect
        let file = try reader.path("file")
        let inline = try reader.string("sql")
        let text: String
        let origin: String
        var firstLine = 1
        switch (file, inline) {
        case (let file?, nil):
            do {
                text = try FileSystem.readUTF8Text(atPath: file)
            } catch {
                throw reader.error(key: "file", "cannot read the SQL file: \(error)")
            }
            origin = file
        case (nil, let inline?):
            text = inline
            origin = reader.context.file
            let key = reader.path + ["sql"]
            // A multi-line string starts on the line after `sql = """`.
            firstLine = (reader.context.sourceMap.line(of: key) ?? 0) + (reader.context.sourceMap.isMultiline(key) ? 1 : 0)
        case (nil, nil):
            throw reader.error("needs the SQL to run: file = \"PATH\" or sql = \"...\"")
        case (.some, .some):
            throw reader.error(key: "sql", "give either file or sql, not both")
        }
        let parameters = Dictionary(try reader.stringTable("params") ?? [], uniquingKeysWith: { $1 })
        let secret = try reader.strings("secret") ?? []
        for name in secret where parameters[name] == nil {
            throw reader.error(key: "secret", "names \"\(name)\", which is not in params")
        }
        let script = SQLScript(text, dialect: dialect)
        guard !script.statements.isEmpty else {
            throw reader.error(key: file == nil ? "sql" : "file", "holds no SQL statement")
        }
        for statement in script.statements {
            if !statement.parameterNames.isEmpty, let positional = statement.positionalParameters.first {
                let place = "\(Path.relative(origin, to: reader.context.directory)):\(firstLine + statement.firstTokenLine - 1)"
                throw reader.error(
                    key: file == nil ? "sql" : "file",
                    "the SQL (\(place)) mixes :name parameters with \(positional), which would take the value of the first :name; write every parameter as :name")
            }
            for name in statement.parameterNames where parameters[name] == nil {
                let line = firstLine + statement.firstTokenLine - 1
                let place = "\(Path.relative(origin, to: reader.context.directory)):\(line)"
                throw reader.error(
                    key: "params",
                    "the SQL uses :\(name) (\(place)) but params has no \(name); write ::\(name) for a cast, or add it")
            }
        }
        return Step.SQL(
            script: script, parameters: parameters, secretNames: secret, origin: origin, firstLine: firstLine)
    }

    private static func schema(_ reader: TableReader, database: DatabaseConfig?) throws(ConfigError) -> Step.SchemaFile {
        try requireDatabase(reader, database)
        guard let file = try reader.path("file") else {
            throw reader.error(key: "file", "is required: the DDL exported from the models, e.g. file = \"schema.sql\"")
        }
        let text: String
        do {
            text = try FileSystem.readUTF8Text(atPath: file)
        } catch {
            throw reader.error(key: "file", "cannot read the schema file: \(error)")
        }
        let policies = Step.SchemaFile.DriftPolicy.allCases.map(\.rawValue)
        let driftText = try reader.string("drift") ?? "warn"
        guard let drift = Step.SchemaFile.DriftPolicy(rawValue: driftText) else {
            throw reader.error(key: "drift", "\"\(driftText)\" is not one of \(policies.joined(separator: ", "))")
        }
        let script = SQLScript(text, dialect: database!.url.dialect)
        guard !script.statements.isEmpty else { throw reader.error(key: "file", "holds no SQL statement") }
        return Step.SchemaFile(file: file, script: script, drift: drift, checksum: Checksum.sha256(text))
    }

    private static func migrations(
        named step: String, _ reader: TableReader, database: DatabaseConfig?
    ) throws(ConfigError) -> Step.Migrations {
        try requireDatabase(reader, database)
        guard let directory = try reader.path("dir") else {
            throw reader.error(key: "dir", "is required: the folder of migration scripts, e.g. dir = \"migrations\"")
        }
        let names: [String]
        do {
            names = try FileSystem.list(directory)
        } catch {
            throw reader.error(key: "dir", "cannot read the folder: \(error)")
        }
        var units: [Step.Migrations.Unit] = []
        for name in MigrationOrder.sorted(names) where !name.hasPrefix(".") {
            let file = directory + "/" + name
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.readBytes(atPath: file)
            } catch {
                throw reader.error(key: "dir", "cannot read \(name): \(error)")
            }
            let body: Step.Migrations.Body
            if name.hasSuffix(".sql") {
                if let invalid = FileSystem.invalidUTF8(in: bytes) {
                    throw reader.error(key: "dir", "\(name) is not UTF-8 text (\(invalid)); save it as UTF-8")
                }
                let firstLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
                let transactional = firstLine.trimmingWhitespace() != "-- prestart:no-transaction"
                body = .sql(utf8: bytes, dialect: database!.url.dialect, transactional: transactional)
            } else if FileSystem.isExecutableFile(file) {
                body = .executable
            } else {
                throw reader.error(
                    key: "dir",
                    "\(Path.relative(file, to: reader.context.directory)) is neither a .sql file nor an executable: "
                        + "chmod +x it, or move it out of the folder")
            }
            units.append(Step.Migrations.Unit(name: "\(step)/\(name)", file: file, checksum: Checksum.sha256(bytes), body: body))
        }
        return Step.Migrations(directory: directory, units: units)
    }

    static func isValidStepName(_ name: String) -> Bool {
        func isAlphanumeric(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        guard let first = name.unicodeScalars.first, isAlphanumeric(first) else { return false }
        return name.unicodeScalars.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }
}

extension ConfigLoader {
    struct Context: Sendable {
        var file: String
        var directory: String
        var sourceMap: SourceMap
        var interpolator: Interpolator
    }

    /// Typed, interpolated access to one TOML table, with errors that carry the dotted key and its line.
    struct TableReader {
        let table: TOMLTable
        let path: [String]
        let context: Context

        func error(key: String? = nil, _ message: String) -> ConfigError {
            let fullPath = key.map { path + [$0] } ?? path
            return ConfigError(
                file: context.file, line: context.sourceMap.line(of: fullPath), key: Self.dotted(fullPath),
                message: message)
        }

        static func dotted(_ path: [String]) -> String {
            // Quoted and escaped unless a TOML bare key (ASCII letters, digits, - and _), so the key can be pasted
            // back, and a control character in it cannot garble the terminal it is printed on. A JSON string is a
            // TOML basic string for every escape JSON writes.
            path.map { isBare($0) ? $0 : JSON.string($0).serialized() }.joined(separator: ".")
        }

        private static func isBare(_ key: String) -> Bool {
            !key.isEmpty && key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }

        func rejectUnknownKeys(allowed: Set<String>) throws(ConfigError) {
            for key in table.keys.sorted() where !allowed.contains(key) {
                let known = allowed.sorted().joined(separator: ", ")
                throw error(key: key, "unknown key (expected one of: \(known))")
            }
        }

        private func value(_ key: String, _ expected: TOMLType, _ noun: String) throws(ConfigError) -> (any TOMLValueConvertible)? {
            guard let value = table[key] else { return nil }
            guard value.type == expected else { throw error(key: key, "must be \(noun), not \(Self.noun(value.type))") }
            return value
        }

        func table(_ key: String) throws(ConfigError) -> TableReader? {
            try value(key, .table, "a table").map { TableReader(table: $0.table!, path: path + [key], context: context) }
        }

        func string(_ key: String) throws(ConfigError) -> String? {
            guard let raw = try value(key, .string, "a string")?.string else { return nil }
            return try expand(raw, key: key)
        }

        func path(_ key: String) throws(ConfigError) -> String? {
            try string(key).map { Path.resolve($0, against: context.directory) }
        }

        func bool(_ key: String) throws(ConfigError) -> Bool? {
            try value(key, .bool, "true or false")?.bool
        }

        func int(_ key: String) throws(ConfigError) -> Int? {
            try value(key, .int, "an integer")?.int
        }

        func duration(_ key: String) throws(ConfigError) -> Duration? {
            if let raw = table[key], raw.type == .int || raw.type == .double {
                throw error(key: key, "needs a unit: write \"\(raw)s\" for seconds, or ms, m, h")
            }
            guard let text = try string(key) else { return nil }
            guard let duration = DurationText.parse(text), duration > .zero else {
                throw error(key: key, "\"\(text)\" is not a duration (examples: \"500ms\", \"30s\", \"5m\", \"1h\")")
            }
            return duration
        }

        func backoff(_ key: String) throws(ConfigError) -> Backoff? {
            guard let text = try string(key) else { return nil }
            guard let backoff = Backoff.parse(text) else {
                throw error(key: key, "\"\(text)\" is not an interval (examples: \"50ms..1s\", \"1s\")")
            }
            return backoff
        }

        func strings(_ key: String) throws(ConfigError) -> [String]? {
            guard let array = try value(key, .array, "an array of strings")?.array else { return nil }
            var result: [String] = []
            for (index, element) in array.enumerated() {
                guard let text = element.string else {
                    throw error(key: key, "must be an array of strings; item \(index + 1) is \(Self.noun(element.type))")
                }
                result.append(try expand(text, key: key))
            }
            return result
        }

        /// A table of scalars (`env`, `params`, `settings`), in key order, values as text.
        func stringTable(_ key: String) throws(ConfigError) -> [(String, String)]? {
            guard let inner = try table(key) else { return nil }
            var result: [(String, String)] = []
            for name in inner.table.keys.sorted() {
                let element = inner.table[name]!
                switch element.type {
                case .string: result.append((name, try inner.expand(element.string!, key: name)))
                case .int: result.append((name, String(element.int!)))
                case .bool: result.append((name, String(element.bool!)))
                case .double: result.append((name, String(element.double!)))
                default: throw inner.error(key: name, "must be a string, number or boolean, not \(Self.noun(element.type))")
                }
            }
            return result
        }

        func expand(_ text: String, key: String) throws(ConfigError) -> String {
            do {
                return try context.interpolator.expand(text)
            } catch {
                throw self.error(key: key, error.description)
            }
        }

        static func noun(_ type: TOMLType) -> String {
            switch type {
            case .table: "a table"
            case .array: "an array"
            case .string: "a string"
            case .int: "an integer"
            case .double: "a number"
            case .bool: "a boolean"
            case .date, .time, .dateTime: "a date or time"
            }
        }
    }
}

import TOMLKit

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
        let text: String
        do {
            text = try FileSystem.readText(atPath: file)
        } catch {
            let hint = "; pass -c FILE or set PRESTART_CONFIG"
            throw ConfigError(file: file, message: "cannot read the config file (\(error.description))\(hint)")
        }
        return try load(text: text, file: file)
    }

    public func load(text: String, file: String) throws(ConfigError) -> Config {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(
                file: file, line: error.source.begin.line, column: error.source.begin.column,
                message: "invalid TOML: \(error.description)")
        } catch {
            throw ConfigError(file: file, message: "invalid TOML: \(error)")
        }
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
                guard let reader = try stepsTable.table(name) else { continue }
                steps.append(try Self.step(named: name, reader))
            }
        }
        let app = try document.table("app").map { reader throws(ConfigError) in try Self.app(reader) }
        let config = Config(file: file, directory: directory, database: database, steps: steps, app: app)
        try StepGraph.validate(config, sourceMap: context.sourceMap)
        return config
    }

    private static func database(_ reader: TableReader) throws(ConfigError) -> DatabaseConfig {
        try reader.rejectUnknownKeys(allowed: ["url", "settings"])
        guard let url = try reader.string("url") else { throw reader.error(key: "url", "is required") }
        let settings = try reader.stringTable("settings") ?? []
        return DatabaseConfig(url: url, settings: settings)
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

    private static func step(named name: String, _ reader: TableReader) throws(ConfigError) -> Step {
        guard Self.isValidStepName(name) else {
            throw reader.error(
                "is not a valid step name: use letters, digits, '-', '_' and '.', starting with a letter or digit")
        }
        guard let kindName = try reader.string("kind") else {
            throw reader.error(key: "kind", "is required (one of: command)")
        }
        let kind: Step.Kind
        switch kindName {
        case "command":
            try reader.rejectUnknownKeys(allowed: commonStepKeys.union(["run"]))
            guard let argv = try reader.strings("run"), !argv.isEmpty else {
                throw reader.error(key: "run", "is required: the command's argv, e.g. [\"python\", \"-m\", \"app.x\"]")
            }
            kind = .command(argv: argv)
        default:
            throw reader.error(key: "kind", "\"\(kindName)\" is not a step kind this version knows (one of: command)")
        }
        if try reader.bool("once") == true {
            throw reader.error(key: "once", "needs the ledger, which this version of prestart does not have yet")
        }
        let retries = try reader.int("retries") ?? 0
        guard retries >= 0 else { throw reader.error(key: "retries", "must be 0 or more, not \(retries)") }
        return Step(
            name: name,
            kind: kind,
            after: try reader.strings("after") ?? [],
            timeout: try reader.duration("timeout"),
            retries: retries,
            retryDelay: try reader.duration("retry-delay") ?? .seconds(1),
            once: false,
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
            path.map { $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" } ? $0 : "\"\($0)\"" }
                .joined(separator: ".")
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

import PrestartSystem

/// What prestart reads from `env.py`, which Alembic runs and prestart does not: the version table it passes to
/// `context.configure`, and whether it does anything that makes prestart's reading of that table unsure.
///
/// `version_table` and `version_table_schema` are read when each is a keyword argument of `context.configure(…)`
/// whose value is a string literal (`None` for the schema), or a name bound once, at the module's top level, to
/// such a literal and used nowhere else. Every `context.configure` call must name the same table. Any other
/// mention — a value from the config, the environment or a function, `**options` passed to a `configure`, the
/// name in a string, `configure` called under another name — is ``AlembicUnsure``, and Alembic runs.
enum EnvironmentScript {
    /// Words in env.py that mean the version table Alembic uses may not be the one prestart reads, or that
    /// env.py acts on options prestart cannot see.
    static let words: KeyValuePairs<String, String> = [
        "search_path": "the alembic_version it uses may not be the one prestart's session sees",
        "schema_translate_map": "the version table may be in another schema",
        "get_x_argument": "it acts on -x options, which prestart cannot see",
        "on_version_apply": "it runs code as revisions apply",
    ]

    static let settings: Set<String> = ["version_table", "version_table_schema"]

    static func versionTable(_ path: String) throws(AlembicUnsure) -> VersionTable {
        guard let text = try? FileSystem.readText(atPath: path) else {
            throw AlembicUnsure("cannot be read (Alembic runs it)", file: path)
        }
        for (word, why) in words {
            guard let range = text.firstRange(of: word) else { continue }
            let line = text[..<range.lowerBound].count(where: { $0 == "\n" }) + 1
            throw AlembicUnsure("mentions \(word): \(why)", file: path, line: line)
        }
        let tokens: [PythonTokenizer.Token]
        do {
            tokens = try PythonTokenizer.tokenize(Array(text.utf8))
        } catch {
            throw AlembicUnsure("does not tokenize as Python: \(error.message)", file: path, line: error.line)
        }
        return try read(tokens, path: path)
    }

    /// A keyword's value as written: a literal, or a name to look up.
    private enum Value {
        case literal(String?)
        case name(String)
    }

    private struct Call {
        var line: Int
        var values: [String: (value: Value, line: Int)] = [:]
    }

    static func read(_ tokens: [PythonTokenizer.Token], path: String) throws(AlembicUnsure) -> VersionTable {
        func unsure(_ reason: String, line: Int?) -> AlembicUnsure {
            AlembicUnsure(reason, file: path, line: line)
        }
        func isOp(_ index: Int, _ text: String) -> Bool {
            index >= 0 && index < tokens.count && tokens[index].kind == .op && tokens[index].text == text
                && !tokens[index].embedded
        }
        /// Tokens whose use is understood: the keywords and the names given as their values.
        var understood = Set<Int>()
        var valueNames: [String: Set<Int>] = [:]
        var calls: [Call] = []

        for (index, token) in tokens.enumerated() where token.kind == .name && token.text == "configure" {
            guard isOp(index + 1, "(") else {
                throw unsure(
                    "refers to configure without calling it: prestart cannot see what it is given", line: token.line)
            }
            let isContext = isOp(index - 1, ".") && index >= 2 && tokens[index - 2].text == "context"
            var call = Call(line: token.line)
            // The arguments, split at the commas between them.
            var arguments: [[Int]] = [[]]
            var depth = 0
            var position = index + 2
            while position < tokens.count {
                let current = tokens[position]
                if current.kind == .op, !current.embedded {
                    if ["(", "[", "{"].contains(current.text) { depth += 1 }
                    if [")", "]", "}"].contains(current.text) {
                        if depth == 0 { break }
                        depth -= 1
                    }
                    if current.text == ",", depth == 0 {
                        arguments.append([])
                        position += 1
                        continue
                    }
                }
                arguments[arguments.count - 1].append(position)
                position += 1
            }
            for argument in arguments where !argument.isEmpty {
                let first = tokens[argument[0]]
                if first.kind == .op, first.text == "**" {
                    let what = argument.dropFirst().map { tokens[$0].text }.joined()
                    throw unsure(
                        "passes **\(what) to configure, which may set version_table: prestart cannot see it",
                        line: first.line)
                }
                guard isContext, first.kind == .name, argument.count >= 2, isOp(argument[1], "=") else { continue }
                if first.text == "version_table_pk" {
                    understood.insert(argument[0])  // whether Alembic makes a primary key: the same table
                    continue
                }
                guard settings.contains(first.text) else { continue }
                let value = argument.dropFirst(2)
                let valueToken = value.count == 1 ? tokens[value[value.startIndex]] : nil
                let read: Value
                switch valueToken?.kind {
                case .string? where valueToken?.literal?.form == .text && valueToken?.literal?.value != nil:
                    read = .literal(valueToken!.literal!.value!)
                case .name? where valueToken!.text == "None":
                    read = .literal(nil)
                case .name?:
                    read = .name(valueToken!.text)
                    valueNames[valueToken!.text, default: []].insert(value[value.startIndex])
                    understood.insert(value[value.startIndex])
                default:
                    throw unsure(
                        "passes \(first.text) as an expression (\(value.map { tokens[$0].text }.joined(separator: " "))),"
                            + " not a string or a name bound to one", line: first.line)
                }
                if call.values[first.text] != nil {
                    throw unsure("passes \(first.text) twice to context.configure", line: first.line)
                }
                call.values[first.text] = (read, first.line)
                understood.insert(argument[0])
            }
            if isContext { calls.append(call) }
        }

        for (index, token) in tokens.enumerated() where !understood.contains(index) {
            if token.kind == .name, token.text.hasPrefix("version_table"), !valueNames.keys.contains(token.text) {
                throw unsure(
                    "uses \(token.text) in a form prestart does not read (only \(token.text)=\"…\" in "
                        + "context.configure(…), or a name bound once to a string)", line: token.line)
            }
            if token.kind == .string, token.text.contains("version_table") {
                throw unsure(
                    "has version_table in a string, as options handed on are written: prestart cannot see where "
                        + "they go", line: token.line)
            }
        }

        let bound = try boundNames(valueNames, tokens: tokens, understood: understood, unsure: unsure)
        var found: (table: VersionTable, line: Int)?
        for call in calls {
            func resolved(_ key: String) throws(AlembicUnsure) -> String? {
                guard let (value, line) = call.values[key] else { return nil }
                let text: String?
                switch value {
                case .literal(let literal): text = literal
                case .name(let name): text = bound[name]!
                }
                if let text, let problem = VersionTable.problem(with: text, isSchema: key == "version_table_schema") {
                    throw unsure("\(key) \"\(text)\" \(problem)", line: line)
                }
                if text == nil, key == "version_table" {
                    throw unsure("version_table is None, which is no table name", line: line)
                }
                return text
            }
            let table = VersionTable(
                name: try resolved("version_table") ?? VersionTable.standard.name,
                schema: try resolved("version_table_schema"))
            if let found, found.table != table {
                throw unsure(
                    "context.configure is given two version tables, \(found.table) (line \(found.line)) and \(table): "
                        + "prestart cannot tell which one Alembic uses", line: call.line)
            }
            found = (table, call.line)
        }
        return found?.table ?? .standard
    }

    /// The literal each name given as a keyword's value is bound to: once, at the top level, and used nowhere
    /// but as such a value. Code that can bind names unseen (exec, globals(), import *) makes it unsure.
    private static func boundNames(
        _ valueNames: [String: Set<Int>], tokens: [PythonTokenizer.Token], understood: Set<Int>,
        unsure: (String, Int?) -> AlembicUnsure
    ) throws(AlembicUnsure) -> [String: String?] {
        guard !valueNames.isEmpty else { return [:] }
        let shown = valueNames.keys.sorted().joined(separator: ", ")
        for (position, token) in tokens.enumerated() where token.kind == .name {
            if RevisionFile.dynamicNames.contains(token.text) {
                throw unsure("uses \(token.text), which can rebind \(shown)", token.line)
            }
            if token.text == "import", position + 1 < tokens.count, tokens[position + 1].text == "*" {
                throw unsure("`import *` can rebind \(shown)", token.line)
            }
        }
        var result: [String: String?] = [:]
        let lines = ModuleCode(tokens).lines
        for name in valueNames.keys.sorted() {
            var binding: (range: Range<Int>, line: Int)?
            for range in lines {
                let first = tokens[range.lowerBound]
                guard first.kind == .name, first.text == name, first.indent == 0, !first.embedded else { continue }
                if let binding {
                    throw unsure("\(name) is assigned twice (lines \(binding.line) and \(first.line))", first.line)
                }
                binding = (range, first.line)
            }
            guard let binding else {
                throw unsure("\(name) is not bound at the top level to a string prestart can read", nil)
            }
            let literal = try RevisionFile.assignment(Array(tokens[binding.range]), unsure: unsure)
            switch literal {
            case .string(let text): result[name] = .some(text)
            case .none: result[name] = .some(nil)
            case .sequence: throw unsure("\(name) is a sequence, not a table name", binding.line)
            }
            for (index, token) in tokens.enumerated()
            where token.kind == .name && token.text == name && index != binding.range.lowerBound
                && !understood.contains(index)
            {
                let afterDot = index > 0 && tokens[index - 1].kind == .op && tokens[index - 1].text == "."
                    && !tokens[index - 1].embedded && !token.embedded
                if afterDot { continue }
                throw unsure(
                    "\(name) is used in a form prestart does not read: only its one binding and "
                        + "context.configure(…=\(name))", token.line)
            }
        }
        return result
    }
}

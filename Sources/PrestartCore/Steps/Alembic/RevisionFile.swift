import PrestartDatabase
import PrestartSystem

/// What Alembic reads from one revision file: `revision`, `down_revision`, `branch_labels`, `depends_on`.
///
/// Read without running Python, so only what is certain counts: each name assigned exactly once, at the module's
/// top level, as `NAME = LITERAL` or `NAME: ANNOTATION = LITERAL`, where the literal is a string, `None`, or a
/// tuple or list of strings (over several lines, with a trailing comma, with comments). Alembic reads the names
/// right after loading the file, so only code that runs at import can change them (``ModuleCode``: the top level,
/// its blocks and class bodies, and every function that may be called from there). In that code, anything else
/// that could bind or change those names — another assignment or any other use of them, a name or call as the
/// value, an f-string, concatenation, `exec`, `globals()`, `setattr`, frames, `from x import *` — makes the file
/// ``AlembicUnsure``, and Alembic runs. The bodies of `upgrade()`, `downgrade()` and other functions nothing calls
/// at import are not read, except for `global NAME` (a function written to rebind a name) and `import *`.
public struct RevisionFile: Sendable, Equatable {
    public var path: String
    public var revision: String
    public var downRevisions: [String]
    public var branchLabels: [String]
    public var dependsOn: [String]

    public init(
        path: String, revision: String, downRevisions: [String], branchLabels: [String] = [], dependsOn: [String] = []
    ) {
        self.path = path
        self.revision = revision
        self.downRevisions = downRevisions
        self.branchLabels = branchLabels
        self.dependsOn = dependsOn
    }

    static let names: Set<String> = ["revision", "down_revision", "branch_labels", "depends_on"]

    /// Names through which code can bind module globals without an assignment prestart could see.
    static let dynamicNames: Set<String> = [
        "exec", "eval", "globals", "locals", "vars", "setattr", "delattr", "__dict__", "modules",
        // A function's globals, a frame's, and the builtins reached by another name, reach the module's names too.
        "__globals__", "f_globals", "f_locals", "f_back", "_getframe", "currentframe", "__builtins__", "builtins",
        "__import__",
    ]

    /// Alembic refuses these in a revision id.
    static let illegalIDCharacters: Set<Character> = ["@", "-", "+"]

    public static func parse(_ source: [UInt8], path: String) throws(AlembicUnsure) -> RevisionFile {
        func unsure(_ reason: String, line: Int? = nil) -> AlembicUnsure {
            AlembicUnsure(reason, file: path, line: line)
        }
        if let problem = encodingProblem(source) { throw unsure(problem) }
        let tokens: [PythonTokenizer.Token]
        do {
            tokens = try PythonTokenizer.tokenize(source)
        } catch {
            throw unsure("does not tokenize as Python: \(error.message)", line: error.line)
        }
        let code = ModuleCode(tokens)
        var values: [String: (value: Literal, line: Int)] = [:]
        for range in code.lines {
            let line = Array(tokens[range])
            let runs = Array(code.runs[range])
            var handled: Int?
            if let first = line.first, first.kind == .name, names.contains(first.text), first.indent == 0,
                !first.embedded
            {
                if let earlier = values[first.text] {
                    throw unsure(
                        "\(first.text) is assigned twice (lines \(earlier.line) and \(first.line))", line: first.line)
                }
                values[first.text] = (try assignment(line, unsure: unsure), first.line)
                handled = 0
            }
            for (position, token) in line.enumerated() where token.kind == .name && position != handled {
                if token.text == "import", position + 1 < line.count, line[position + 1].text == "*" {
                    // Also in a function body, where Python refuses it when compiling the file.
                    throw unsure("`import *` can bind any name", line: token.line)
                }
                guard runs[position] else {
                    if names.contains(token.text), statement(in: line, at: position).first?.text == "global" {
                        throw unsure(
                            "\(token.text) is used in a form prestart does not read: `global \(token.text)` lets a "
                                + "function rebind it", line: token.line)
                    }
                    continue
                }
                if dynamicNames.contains(token.text) {
                    throw unsure(
                        "uses \(token.text), which can change the revision's names as it runs", line: token.line)
                }
                if token.text == "__getattr__" {
                    throw unsure(
                        "defines or uses __getattr__, which Alembic's getattr() may call for branch_labels or "
                            + "depends_on", line: token.line)
                }
                let afterDot =
                    position > 0 && line[position - 1].kind == .op && line[position - 1].text == "."
                    && !line[position - 1].embedded
                if names.contains(token.text), !afterDot || token.embedded {
                    throw unsure("\(token.text) is used in a form prestart does not read", line: token.line)
                }
            }
        }
        guard let revision = values["revision"] else {
            throw unsure("has no `revision = \"…\"` line (Alembic would take the id from the file name)")
        }
        guard case .string(let id) = revision.value else {
            throw unsure("revision is not a string", line: revision.line)
        }
        guard !id.isEmpty, !id.contains(where: illegalIDCharacters.contains), !id.contains(where: \.isWhitespace) else {
            throw unsure("revision \"\(id)\" is not an id Alembic accepts", line: revision.line)
        }
        guard let down = values["down_revision"] else {
            throw unsure("has no `down_revision = …` line")
        }
        func strings(_ name: String) throws(AlembicUnsure) -> [String] {
            guard let entry = values[name] else { return [] }
            let result: [String]
            switch entry.value {
            case .none: result = []
            case .string(let text): result = [text]
            case .sequence(let items): result = items
            }
            if result.contains(where: \.isEmpty) { throw unsure("\(name) names an empty string", line: entry.line) }
            return result
        }
        return try RevisionFile(
            path: path, revision: id, downRevisions: try strings("down_revision"),
            branchLabels: try strings("branch_labels"),
            dependsOn: try strings("depends_on")
        )
        .checkingLoop(line: down.line, unsure: unsure)
    }

    /// The simple statement holding `line[position]`: from the line's start or the `;` before it.
    private static func statement(
        in line: [PythonTokenizer.Token], at position: Int
    ) -> ArraySlice<PythonTokenizer.Token> {
        var start = position
        while start > 0, !(line[start - 1].kind == .op && line[start - 1].text == ";" && !line[start - 1].embedded) {
            start -= 1
        }
        return line[start...position]
    }

    private func checkingLoop(
        line: Int, unsure: (String, Int?) -> AlembicUnsure
    ) throws(AlembicUnsure) -> RevisionFile {
        if downRevisions.contains(revision) || dependsOn.contains(revision) {
            throw unsure("revision \(revision) names itself as its down_revision or dependency", line)
        }
        return self
    }

    /// A PEP 263 coding declaration other than UTF-8 (or an ASCII-compatible one on a pure-ASCII file) changes
    /// how Python reads the bytes; invalid UTF-8 is a SyntaxError.
    static func encodingProblem(_ source: [UInt8]) -> String? {
        var body = source[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let nonASCII = body.contains { $0 >= 0x80 }
        var lines = body.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false).prefix(2)
        if let first = lines.first, !first.drop(while: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0C }).starts(with: [0x23]),
            !first.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0C || $0 == 0x0D })
        {
            lines = lines.prefix(1)  // the second line counts only after a comment or blank first line
        }
        for line in lines {
            let text = String(decoding: line, as: UTF8.self)
            guard let name = codingName(in: text) else { continue }
            let normalized = name.lowercased().replacing("_", with: "-")
            if ["utf-8", "utf8"].contains(normalized) || normalized.hasPrefix("utf-8-") { break }
            let asciiCompatible =
                ["ascii", "us-ascii", "latin-1", "latin1", "l1"].contains(normalized)
                || normalized.hasPrefix("iso-8859-") || normalized.hasPrefix("iso8859-")
                || normalized.hasPrefix("cp125")
            if asciiCompatible && !nonASCII { break }
            return "declares the source encoding \(name), which prestart does not decode"
        }
        if nonASCII, String(validating: Array(body), as: UTF8.self) == nil {
            return "is not valid UTF-8"
        }
        return nil
    }

    /// `# -*- coding: latin-1 -*-` → `latin-1` (Python's pattern: `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`).
    private static func codingName(in line: String) -> String? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "\u{0C}" }
        guard trimmed.first == "#" else { return nil }
        for range in trimmed.ranges(of: "coding") {
            var rest = trimmed[range.upperBound...]
            guard let separator = rest.first, separator == ":" || separator == "=" else { continue }
            rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" }
            let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
            return name.isEmpty ? nil : String(name)
        }
        return nil
    }

    // MARK: The literal after `=`

    enum Literal: Equatable {
        case none
        case string(String)
        case sequence([String])
    }

    /// `NAME = VALUE` or `NAME: ANNOTATION = VALUE`, the whole logical line.
    static func assignment(
        _ line: [PythonTokenizer.Token], unsure: (String, Int?) -> AlembicUnsure
    ) throws(AlembicUnsure) -> Literal {
        let name = line[0].text
        var position = 1
        if position < line.count, line[position].kind == .op, line[position].text == ":" {
            var depth = 0
            position += 1
            while position < line.count {
                let token = line[position]
                if token.kind == .op, !token.embedded {
                    if ["(", "[", "{"].contains(token.text) { depth += 1 }
                    if [")", "]", "}"].contains(token.text) { depth -= 1 }
                    if token.text == "=", depth == 0 { break }
                }
                position += 1
            }
            guard position < line.count else {
                throw unsure("\(name) is annotated but not assigned", line[0].line)
            }
        }
        guard position < line.count, line[position].kind == .op, line[position].text == "=" else {
            throw unsure("\(name) is not assigned with a plain `=`", line[0].line)
        }
        var parser = LiteralParser(tokens: Array(line[(position + 1)...]).filter { !$0.embedded }, name: name)
        do {
            return try parser.parse()
        } catch {
            throw unsure("\(name) is not a literal (\(error.what))", line[0].line)
        }
    }

    private struct LiteralParser {
        struct NotLiteral: Error {
            var what: String
        }

        var tokens: [PythonTokenizer.Token]
        var name: String
        var position = 0

        init(tokens: [PythonTokenizer.Token], name: String) {
            self.tokens = tokens
            self.name = name
        }

        var atEnd: Bool { position >= tokens.count }

        func isOp(_ text: String, at offset: Int = 0) -> Bool {
            position + offset < tokens.count && tokens[position + offset].kind == .op
                && tokens[position + offset].text == text
        }

        mutating func parse() throws(NotLiteral) -> Literal {
            guard !atEnd else { throw NotLiteral(what: "nothing after `=`") }
            let first = try atom()
            guard isOp(",") else {
                guard atEnd else { throw trailing() }
                return first
            }
            var items = [try element(first)]
            while isOp(",") {
                position += 1
                if atEnd { break }
                items.append(try element(try atom()))
            }
            guard atEnd else { throw trailing() }
            return .sequence(items)
        }

        func element(_ literal: Literal) throws(NotLiteral) -> String {
            guard case .string(let text) = literal else {
                throw NotLiteral(what: literal == .none ? "None inside a sequence" : "a nested sequence")
            }
            return text
        }

        func trailing() -> NotLiteral {
            let token = tokens[position]
            switch token.text {
            case "+": return NotLiteral(what: "a concatenation")
            case "%": return NotLiteral(what: "a formatting")
            case "(": return NotLiteral(what: "a call")
            case "=": return NotLiteral(what: "a chained assignment")
            default:
                if token.kind == .string { return NotLiteral(what: "an implicit concatenation") }
                return NotLiteral(what: "an expression")
            }
        }

        mutating func atom() throws(NotLiteral) -> Literal {
            guard !atEnd else { throw NotLiteral(what: "an incomplete expression") }
            let token = tokens[position]
            position += 1
            switch token.kind {
            case .string:
                let literal = token.literal!
                switch literal.form {
                case .formatted: throw NotLiteral(what: "an f-string")
                case .bytes: throw NotLiteral(what: "a bytes literal")
                case .text: break
                }
                guard let value = literal.value else { throw NotLiteral(what: "an escape prestart does not decode") }
                if !atEnd, tokens[position].kind == .string { throw NotLiteral(what: "an implicit concatenation") }
                return .string(value)
            case .name:
                if token.text == "None" { return .none }
                if isOp("(") { throw NotLiteral(what: "a call") }
                throw NotLiteral(what: "a name")
            case .op where token.text == "(" || token.text == "[":
                let closing = token.text == "(" ? ")" : "]"
                var items: [String] = []
                var sawComma = false
                var single: Literal?
                while !isOp(closing) {
                    let item = try atom()
                    if isOp(",") {
                        position += 1
                        sawComma = true
                    } else if !isOp(closing) {
                        throw atEnd ? NotLiteral(what: "an incomplete expression") : trailing()
                    }
                    if items.isEmpty && single == nil && !sawComma && token.text == "(" {
                        single = item
                    } else {
                        if let held = single {
                            items.append(try element(held))
                            single = nil
                        }
                        items.append(try element(item))
                    }
                }
                position += 1
                if let single, !sawComma { return single }
                return .sequence(items)
            default:
                throw NotLiteral(what: token.kind == .number ? "a number" : "an expression")
            }
        }
    }
}

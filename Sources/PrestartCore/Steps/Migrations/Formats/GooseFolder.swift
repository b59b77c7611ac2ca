import PrestartSystem

/// goose's folder (`migration.go` `NumericComponent`, `provider_collect.go`, `internal/sqlparser/parser.go`):
/// `VERSION_anything.sql` or `.go`, split at the first `_`, the version an int64 above 0; the `-- +goose Up` part of
/// each SQL file, split into statements as goose splits it. `.go` files are Go migrations prestart cannot run: they
/// become external units.
enum GooseFolder {
    static func read(
        _ names: [String], read: (String) throws -> [UInt8]
    ) throws(FormatError) -> ToolFolder {
        var ignored: [String] = []
        var found: [(version: Int64, name: String)] = []
        var byVersion: [Int64: String] = [:]
        for name in names.sorted() {
            let isGo = name.hasSuffix(".go")
            guard name.hasSuffix(".sql") || isGo, !name.hasSuffix("_test.go"),
                let separator = name.firstIndex(of: "_"), let version = Int64(name[..<separator]), version > 0
            else {
                ignored.append(name)
                continue
            }
            if let other = byVersion[version] {
                throw FormatError(file: name, "has the same version (\(version)) as \(other); goose refuses the folder")
            }
            byVersion[version] = name
            found.append((version, name))
        }
        var migrations: [ToolMigration] = []
        for (version, name) in found.sorted(by: { $0.version < $1.version }) {
            if name.hasSuffix(".go") {
                migrations.append(
                    ToolMigration(version: String(version), fileName: name, parts: [], singleTransaction: false, isExternal: true))
                continue
            }
            let text = try ToolFolder.text(of: name, read: read)
            do throws(FormatError) {
                let (parts, transactional) = try statements(of: text)
                migrations.append(
                    ToolMigration(version: String(version), fileName: name, parts: parts, singleTransaction: transactional))
            } catch {
                throw FormatError(file: name, error.message)
            }
        }
        return ToolFolder(migrations: migrations, ignored: ignored)
    }

    enum Annotation: String, CaseIterable {
        case up, down, statementBegin = "statementbegin", statementEnd = "statementend"
        case noTransaction = "no transaction", envsubOn = "envsub on", envsubOff = "envsub off"
    }

    /// `-- +goose KEYWORD` at the very start of the line, the keyword matched case-insensitively; nil for any other
    /// line. An unknown keyword is an error, as in goose.
    static func annotation(_ line: Substring, number: Int) throws(FormatError) -> Annotation? {
        guard line.hasPrefix("--") else { return nil }
        let text = line.dropFirst(2).trimmingWhitespace()
        guard text.hasPrefix("+goose") else { return nil }
        let keyword = text.dropFirst("+goose".count).trimmingWhitespace().lowercased()
            .split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        guard let annotation = Annotation(rawValue: keyword) else {
            throw FormatError(file: "", "line \(number): unknown goose annotation '\(line.trimmingWhitespace())'")
        }
        return annotation
    }

    /// The up statements and whether they run in one transaction (no `NO TRANSACTION`).
    static func statements(of text: String) throws(FormatError) -> ([ToolMigration.Part], Bool) {
        enum State { case start, up, upBlock, down, downBlock }
        var state = State.start
        var transactional = true
        var envsub = false
        var parts: [ToolMigration.Part] = []
        var buffer: [Substring] = []
        var bufferStart = 0
        var substituted: Set<Int> = []
        func flush() throws(FormatError) {
            // goose trims the statement; lines before the first that has text are dropped with it.
            while let first = buffer.first, first.trimmingWhitespace().isEmpty {
                buffer.removeFirst()
                bufferStart += 1
                substituted = Set(substituted.compactMap { $0 > 0 ? $0 - 1 : nil })
            }
            while let last = buffer.last, last.trimmingWhitespace().isEmpty { buffer.removeLast() }
            if state == .up || state == .upBlock, !buffer.isEmpty {
                parts.append(
                    ToolMigration.Part(
                        sql: buffer.joined(separator: "\n"), mode: transactional ? .transaction : .noTransaction,
                        firstLine: bufferStart, substitutedLines: substituted))
            }
            buffer = []
            substituted = []
        }
        var number = 0
        var index = text.startIndex
        while index < text.endIndex {
            number += 1
            let end = text[index...].firstIndex { $0 == "\n" || $0 == "\r\n" } ?? text.endIndex
            let line = text[index..<end]
            index = end < text.endIndex ? text.index(after: end) : end
            if state == .start && line.trimmingWhitespace().isEmpty { continue }
            if let annotation = try annotation(line, number: number) {
                switch annotation {
                case .up:
                    guard state == .start else { throw FormatError(file: "", "line \(number): a second '-- +goose Up'") }
                    state = .up
                case .down:
                    guard state == .up else {
                        throw FormatError(file: "", "line \(number): '-- +goose Down' must come after '-- +goose Up' and outside a StatementBegin block")
                    }
                    if !buffer.allSatisfy({ $0.trimmingWhitespace().isEmpty }) {
                        throw FormatError(file: "", "line \(bufferStart): a statement without a ';' at the end of its last line")
                    }
                    buffer = []
                    state = .down
                case .statementBegin:
                    guard state == .up || state == .down else {
                        throw FormatError(file: "", "line \(number): 'StatementBegin' must follow '-- +goose Up' or '-- +goose Down', outside another block")
                    }
                    if !buffer.allSatisfy({ $0.trimmingWhitespace().isEmpty }) {
                        throw FormatError(file: "", "line \(bufferStart): a statement without a ';' at the end of its last line")
                    }
                    buffer = []
                    state = state == .up ? .upBlock : .downBlock
                case .statementEnd:
                    guard state == .upBlock || state == .downBlock else {
                        throw FormatError(file: "", "line \(number): 'StatementEnd' without 'StatementBegin'")
                    }
                    try flush()
                    state = state == .upBlock ? .up : .down
                case .noTransaction:
                    transactional = false
                case .envsubOn:
                    envsub = true
                case .envsubOff:
                    envsub = false
                }
                continue
            }
            // goose parses only the direction it runs: the down part is never buffered, only its annotations checked.
            if state == .down || state == .downBlock { continue }
            if state == .start {
                let trimmed = line.trimmingWhitespace()
                if trimmed.hasPrefix("--") { continue }
                throw FormatError(file: "", "line \(number): statements before '-- +goose Up'; goose requires the file to start with it")
            }
            // Comments and empty lines before a statement are dropped; once it started, they are kept.
            if buffer.isEmpty && (line.trimmingWhitespace().hasPrefix("--") || line.isEmpty) { continue }
            if buffer.isEmpty { bufferStart = number }
            if envsub {
                do throws(Envsub.Failure) {
                    try Envsub.validate(String(line))
                } catch {
                    throw FormatError(file: "", "line \(number): ENVSUB: \(error.message)")
                }
                substituted.insert(buffer.count)
            }
            buffer.append(line)
            if (state == .up || state == .down) && endsWithSemicolon(line) { try flush() }
        }
        switch state {
        case .start: throw FormatError(file: "", "has no '-- +goose Up' annotation; goose requires one")
        case .upBlock, .downBlock: throw FormatError(file: "", "a 'StatementBegin' without 'StatementEnd'")
        case .down:
            break
        case .up:
            if !buffer.allSatisfy({ $0.trimmingWhitespace().isEmpty }) {
                throw FormatError(file: "", "line \(bufferStart): a statement without a ';' at the end of its last line")
            }
        }
        return (parts, transactional)
    }

    /// goose's `endsWithSemicolon`: the last whitespace-separated word before a word starting with `--` ends in `;`.
    static func endsWithSemicolon(_ line: Substring) -> Bool {
        var previous: Substring = ""
        for word in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\u{0B}" || $0 == "\u{0C}" }) {
            if word.hasPrefix("--") { break }
            previous = word
        }
        return previous.hasSuffix(";")
    }
}

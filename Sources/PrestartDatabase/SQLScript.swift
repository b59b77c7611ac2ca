/// A multi-statement SQL file split into statements, with `:name` parameters rewritten to the dialect's positional
/// placeholders (`$1` on PostgreSQL, `?1` on SQLite).
///
/// The scanner is hand-written over UTF-8 bytes: it knows only what decides where a statement ends and what is a
/// parameter, and leaves all parsing to the database. It respects
/// - single-quoted strings with `''` escapes, and on PostgreSQL `E'…'` strings with backslash escapes;
/// - double-quoted identifiers (and on SQLite `` `…` `` and `[…]`);
/// - on PostgreSQL `$$` and `$tag$` dollar-quoted bodies, nested `/* */` comments, `;` inside parentheses
///   (`CREATE RULE … DO (a; b)`) and `BEGIN ATOMIC … END` bodies of `CREATE FUNCTION`/`PROCEDURE`, as psql does;
/// - on SQLite `CREATE TRIGGER … BEGIN …; END;`, as `sqlite3_complete()` does;
/// - `--` line comments and `/* */` block comments.
///
/// `:name` (`[A-Za-z_][A-Za-z0-9_]*`) outside those is a parameter; `::type` casts and `:=` are not. Values are never
/// spliced into the text: a statement only ever carries placeholders, and ``Statement/arguments(_:)`` orders the
/// values for the driver to bind.
///
/// - Important: PostgreSQL strings are lexed with `standard_conforming_strings = on` (the default since 9.1): a
///   backslash in `'…'` is an ordinary character. An array slice written `a[lo:hi]` reads `:hi` as a parameter,
///   as psql would read it as a variable; write `a[lo : hi]` or `a[lo:(hi)]`.
///
/// Arbitrary input never traps and never loops: an unterminated string, identifier, comment or dollar body runs to
/// the end of the text, and the database reports the error.
public struct SQLScript: Sendable, Hashable {
    /// The dialect the text was lexed as.
    public let dialect: SQLDialect
    /// The non-empty statements, in file order.
    public let statements: [Statement]

    public init(_ text: String, dialect: SQLDialect) {
        self.init(utf8: Array(text.utf8), dialect: dialect)
    }

    /// From text already known to be UTF-8.
    public init(utf8 bytes: [UInt8], dialect: SQLDialect) {
        self.dialect = dialect
        var scanner = Scanner(bytes: bytes, dialect: dialect)
        self.statements = scanner.scan()
    }

    /// Every parameter name used in the file, in order of first use: lets a config check report a missing or an
    /// unused value before anything runs.
    public var parameterNames: [String] {
        var seen = Set<String>()
        var names: [String] = []
        for statement in statements {
            for name in statement.parameterNames where seen.insert(name).inserted {
                names.append(name)
            }
        }
        return names
    }
}

extension SQLScript {
    /// A line and column (both 1-based, columns in characters) in the original file.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int

        public init(line: Int, column: Int) {
            self.line = line
            self.column = column
        }

        public var description: String { "line \(line), column \(column)" }
    }

    /// One statement of a script.
    public struct Statement: Sendable, Hashable {
        /// The text to send: from the first token to the last one before the `;`, with each `:name` replaced by the
        /// dialect's placeholder for its position in ``parameterNames`` (on PostgreSQL with a space on a side where
        /// it would touch an identifier: `a:x` is sent as `a $1`).
        public let text: String
        /// The same span as it is in the file, before the rewrite.
        public let originalText: String
        /// One name per placeholder: `$1`/`?1` is `parameterNames[0]`. A name used twice has one placeholder.
        public let parameterNames: [String]
        /// The 1-based line where the statement begins, counting a comment that leads it (a trailing comment on the
        /// line of the previous `;` belongs to the previous statement).
        public let startLine: Int
        /// The 1-based line of the statement's first token: where an error without a position points.
        public let firstTokenLine: Int
        /// The 1-based column, in characters, of the first token on ``firstTokenLine``.
        public let firstTokenColumn: Int

        /// PostgreSQL's own positional parameters (`$1`) in the statement as written, outside strings, comments and
        /// dollar bodies. Bound by name, the statement must have none: a `$1` the file wrote would take the value
        /// of the first `:name`.
        public let positionalParameters: [String]

        /// Character offsets in ``originalText`` where each of its lines begins; the first is 0.
        let lineStarts: [Int]
        /// Where the rewrite changed lengths, in character offsets, sorted.
        let rewrites: [Rewrite]

        struct Rewrite: Sendable, Hashable {
            var sentStart: Int
            var sentLength: Int
            var originalStart: Int
            var originalLength: Int
        }

        /// Maps a 1-based character position in ``text`` (PostgreSQL's `PG_DIAG_STATEMENT_POSITION`, or
        /// ``DatabaseError/position`` from SQLite) to the line and column in the original file.
        ///
        /// A position inside a placeholder maps to the start of the `:name` it replaced. Positions outside the text
        /// are clamped to it.
        public func location(ofPosition position: Int) -> Location {
            let sent = max(0, position - 1)
            var original = sent
            for rewrite in rewrites {
                if sent < rewrite.sentStart { break }
                if sent < rewrite.sentStart + rewrite.sentLength {
                    original = rewrite.originalStart
                    break
                }
                original =
                    sent + (rewrite.originalStart + rewrite.originalLength)
                    - (rewrite.sentStart + rewrite.sentLength)
            }
            original = min(max(0, original), max(0, originalText.unicodeScalars.count - 1))
            // The last line start at or before `original`.
            var low = 0
            var high = lineStarts.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if lineStarts[middle] <= original { low = middle } else { high = middle - 1 }
            }
            if low == 0 {
                return Location(line: firstTokenLine, column: firstTokenColumn + original)
            }
            return Location(line: firstTokenLine + low, column: original - lineStarts[low] + 1)
        }

        /// The line in the original file of a 1-based character position in ``text``.
        public func line(ofPosition position: Int) -> Int {
            location(ofPosition: position).line
        }

        /// The values for the placeholders, in order, looked up by name.
        public func arguments(_ values: [String: String]) throws(SQLScriptError) -> [String?] {
            if !parameterNames.isEmpty, let positional = positionalParameters.first {
                throw .positionalParameter(positional, line: firstTokenLine)
            }
            var arguments: [String?] = []
            arguments.reserveCapacity(parameterNames.count)
            for name in parameterNames {
                guard let value = values[name] else {
                    throw .missingParameter(name: name, line: firstTokenLine)
                }
                arguments.append(value)
            }
            return arguments
        }
    }
}

// MARK: - The scanner

extension SQLScript {
    /// One pass over the bytes. Every branch advances `index` by at least one byte, so the loop ends.
    fileprivate struct Scanner {
        let bytes: [UInt8]
        let dialect: SQLDialect
        /// Byte offsets of every `\n`, for turning offsets into lines.
        let newlines: [Int]

        var index = 0
        var statements: [Statement] = []

        // The statement being scanned.
        var firstSignificant: Int?
        var firstToken: Int?
        var lastTokenEnd = 0
        var parameters: [(range: Range<Int>, name: String)] = []
        var positionals: [String] = []
        var parenDepth = 0
        var words: [String] = []
        var beginDepth = 0
        var triggerState = TriggerState.start
        /// The line of the `;` that ended the previous statement: a comment starting on it is a trailing comment.
        var separatorLine = 0

        init(bytes: [UInt8], dialect: SQLDialect) {
            self.bytes = bytes
            self.dialect = dialect
            var newlines: [Int] = []
            for (offset, byte) in bytes.enumerated() where byte == .newline {
                newlines.append(offset)
            }
            self.newlines = newlines
        }

        mutating func scan() -> [Statement] {
            while index < bytes.count {
                let byte = bytes[index]
                let start = index
                switch byte {
                case .space, .tab, .newline, .carriageReturn, .formFeed, .verticalTab:
                    index += 1
                case .minus where peek(1) == .minus:
                    skipLineComment()
                    comment(at: start)
                case .slash where peek(1) == .asterisk:
                    skipBlockComment()
                    comment(at: start)
                case .semicolon:
                    index += 1
                    scanSemicolon(at: start)
                case .singleQuote:
                    skipQuoted(.singleQuote, backslashEscapes: false)
                    token(start)
                case .doubleQuote:
                    skipQuoted(.doubleQuote, backslashEscapes: false)
                    token(start)
                case .backtick where dialect == .sqlite:
                    skipQuoted(.backtick, backslashEscapes: false)
                    token(start)
                case .openBracket where dialect == .sqlite:
                    skip(through: .closeBracket)
                    token(start)
                case .dollar where dialect == .postgres:
                    if let tag = dollarTag(at: index) {
                        skipDollarBody(tag: tag)
                    } else {
                        index += 1
                        while index < bytes.count, bytes[index].isDigit { index += 1 }
                        if index - start > 1 {
                            positionals.append(String(decoding: bytes[start..<index], as: UTF8.self))
                        }
                    }
                    token(start)
                case .colon:
                    scanColon()
                case .openParen:
                    index += 1
                    parenDepth += 1
                    token(start)
                case .closeParen:
                    index += 1
                    parenDepth = max(0, parenDepth - 1)
                    token(start)
                case _ where byte.isIdentifierStart:
                    scanWord()
                case _ where byte.isDigit:
                    scanNumber()
                    token(start)
                default:
                    index += 1
                    token(start)
                }
            }
            finishStatement(separator: nil)
            return statements
        }

        // MARK: Tokens

        func peek(_ offset: Int) -> UInt8? {
            index + offset < bytes.count ? bytes[index + offset] : nil
        }

        mutating func comment(at start: Int) {
            guard firstSignificant == nil, line(ofByte: start) != separatorLine else { return }
            firstSignificant = start
        }

        /// Records the token from `start` to `index`; on SQLite also steps the trigger state machine.
        mutating func token(_ start: Int, as kind: TriggerState.Token = .other) {
            if firstToken == nil {
                firstToken = start
                if firstSignificant == nil { firstSignificant = start }
            }
            lastTokenEnd = index
            if dialect == .sqlite {
                triggerState = triggerState.next(kind)
            }
        }

        mutating func scanSemicolon(at start: Int) {
            switch dialect {
            case .postgres:
                if parenDepth == 0 && beginDepth == 0 {
                    finishStatement(separator: start)
                } else {
                    token(start)
                }
            case .sqlite:
                // Stepping with `;` lands on `.start` exactly when `sqlite3_complete()` would call the text complete.
                if triggerState.next(.semicolon) == .start {
                    finishStatement(separator: start)
                } else {
                    token(start, as: .semicolon)
                }
            }
        }

        /// `:name` is a parameter; `::` (a cast, however many colons) and a lone `:` are not.
        mutating func scanColon() {
            let start = index
            index += 1
            if peek(0) == .colon {
                while index < bytes.count, bytes[index] == .colon { index += 1 }
                token(start)
                return
            }
            guard let next = peek(0), next.isASCIIIdentifierStart else {
                token(start)
                return
            }
            while index < bytes.count, bytes[index].isASCIIIdentifierContinuation { index += 1 }
            parameters.append((start..<index, String(decoding: bytes[(start + 1)..<index], as: UTF8.self)))
            token(start)
        }

        /// Digits, a fraction, an exponent, as both databases read a number; what follows is a token of its own:
        /// `1.$1` is `1.` and the parameter `$1`, and `?1.CREATE` ends before the keyword (the fuzzer's finds).
        mutating func scanNumber() {
            func digits() {
                while index < bytes.count, bytes[index].isDigit || bytes[index] == UInt8(ascii: "_") { index += 1 }
            }
            digits()
            if peek(0) == .dot {
                index += 1
                digits()
            }
            if let e = peek(0), e | 0x20 == UInt8(ascii: "e") {
                let sign = peek(1) == UInt8(ascii: "+") || peek(1) == .minus ? 1 : 0
                if let digit = peek(1 + sign), digit.isDigit {
                    index += 1 + sign
                    digits()
                }
            }
        }

        /// A keyword or an unquoted identifier, which on PostgreSQL may also open an `E'…'` string.
        mutating func scanWord() {
            let start = index
            while index < bytes.count, bytes[index].isIdentifierContinuation { index += 1 }
            if dialect == .postgres, index - start == 1, bytes[start] | 0x20 == UInt8(ascii: "e"),
                peek(0) == .singleQuote
            {
                skipQuoted(.singleQuote, backslashEscapes: true)
                token(start)
                return
            }
            let word = lowercasedWord(start..<index)
            switch dialect {
            case .postgres:
                token(start)
                trackFunctionBody(word)
            case .sqlite:
                token(start, as: TriggerState.Token(word: word))
            }
        }

        func lowercasedWord(_ range: Range<Int>) -> String {
            // Only the few keywords below matter; long words cannot be one of them.
            guard range.count <= 9 else { return "" }
            return String(decoding: bytes[range].map { $0.isASCIIUpper ? $0 | 0x20 : $0 }, as: UTF8.self)
        }

        /// Quoted text: a doubled quote is an escaped quote; with backslash escapes (`E'…'`) a backslash hides the
        /// next byte. Runs to the end of the text when unterminated.
        mutating func skipQuoted(_ quote: UInt8, backslashEscapes: Bool) {
            index += 1
            while index < bytes.count {
                let byte = bytes[index]
                if backslashEscapes && byte == .backslash {
                    index += 2
                } else if byte == quote {
                    guard peek(1) == quote else {
                        index += 1
                        return
                    }
                    index += 2
                } else {
                    index += 1
                }
            }
            index = bytes.count
        }

        mutating func skip(through terminator: UInt8) {
            index += 1
            while index < bytes.count, bytes[index] != terminator { index += 1 }
            index = min(index + 1, bytes.count)
        }

        mutating func skipLineComment() {
            while index < bytes.count, bytes[index] != .newline { index += 1 }
        }

        /// PostgreSQL nests block comments; SQLite ends one at the first `*/`.
        mutating func skipBlockComment() {
            index += 2
            var depth = 1
            while index < bytes.count {
                if bytes[index] == .asterisk, peek(1) == .slash {
                    index += 2
                    depth -= 1
                    if depth == 0 { return }
                } else if dialect == .postgres, bytes[index] == .slash, peek(1) == .asterisk {
                    index += 2
                    depth += 1
                } else {
                    index += 1
                }
            }
        }

        /// `$$` or `$tag$` at `offset` (the tag as PostgreSQL's lexer allows it: no digit first, no `$` inside).
        /// `$1` is a positional parameter, not a tag.
        func dollarTag(at offset: Int) -> ArraySlice<UInt8>? {
            var end = offset + 1
            guard end < bytes.count else { return nil }
            if bytes[end] != .dollar {
                guard bytes[end].isIdentifierStart else { return nil }
                while end < bytes.count, bytes[end].isIdentifierContinuation, bytes[end] != .dollar { end += 1 }
                guard end < bytes.count, bytes[end] == .dollar else { return nil }
            }
            return bytes[offset...end]
        }

        mutating func skipDollarBody(tag: ArraySlice<UInt8>) {
            index += tag.count
            let first = tag[tag.startIndex]
            while index < bytes.count {
                if bytes[index] == first, index + tag.count <= bytes.count,
                    bytes[index..<(index + tag.count)].elementsEqual(tag)
                {
                    index += tag.count
                    return
                }
                index += 1
            }
        }

        // MARK: Where a statement ends

        /// psql's rule: in `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, a `;` between `BEGIN` and its `END` (and any
        /// `CASE … END` inside) does not end the statement.
        mutating func trackFunctionBody(_ word: String) {
            if words.count < 4 { words.append(word) }
            guard parenDepth == 0, words.first == "create" else { return }
            let isRoutine =
                words.count >= 2 && (words[1] == "function" || words[1] == "procedure")
                || words.count >= 4 && words[1] == "or" && words[2] == "replace"
                    && (words[3] == "function" || words[3] == "procedure")
            guard isRoutine else { return }
            switch word {
            case "begin": beginDepth += 1
            case "case" where beginDepth >= 1: beginDepth += 1
            case "end" where beginDepth > 0: beginDepth -= 1
            default: break
            }
        }

        // MARK: Statements

        mutating func finishStatement(separator: Int?) {
            defer {
                firstSignificant = nil
                firstToken = nil
                parameters = []
                positionals = []
                parenDepth = 0
                words = []
                beginDepth = 0
                triggerState = .start
                if let separator { separatorLine = line(ofByte: separator) }
            }
            guard let firstToken else { return }
            statements.append(makeStatement(tokens: firstToken..<lastTokenEnd))
        }

        func makeStatement(tokens: Range<Int>) -> Statement {
            var numbers: [String: Int] = [:]
            var names: [String] = []
            var sent: [UInt8] = []
            sent.reserveCapacity(tokens.count)
            var rewrites: [Statement.Rewrite] = []
            var lineStarts = [0]
            var sentCharacters = 0
            var originalCharacters = 0
            var parameterIndex = 0
            var offset = tokens.lowerBound
            while offset < tokens.upperBound {
                if parameterIndex < parameters.count, parameters[parameterIndex].range.lowerBound == offset {
                    let parameter = parameters[parameterIndex]
                    parameterIndex += 1
                    let number: Int
                    if let known = numbers[parameter.name] {
                        number = known
                    } else {
                        names.append(parameter.name)
                        number = names.count
                        numbers[parameter.name] = number
                    }
                    var placeholder = Array((dialect == .postgres ? "$\(number)" : "?\(number)").utf8)
                    if dialect == .postgres {
                        // PostgreSQL reads `a$1` as one identifier and `$1é` as a malformed parameter: a space keeps
                        // the placeholder a token of its own (`a:name`, `:nameé`), as the `:name` was (the fuzzer's
                        // find).
                        if let before = sent.last, before.isIdentifierContinuation { placeholder.insert(.space, at: 0) }
                        let after = parameter.range.upperBound
                        if after < tokens.upperBound, bytes[after].isIdentifierStart { placeholder.append(.space) }
                    }
                    rewrites.append(
                        .init(
                            sentStart: sentCharacters,
                            sentLength: placeholder.count,
                            originalStart: originalCharacters,
                            originalLength: parameter.range.count
                        )
                    )
                    sent.append(contentsOf: placeholder)
                    sentCharacters += placeholder.count
                    originalCharacters += parameter.range.count
                    offset = parameter.range.upperBound
                    continue
                }
                let byte = bytes[offset]
                sent.append(byte)
                if !byte.isContinuation {
                    sentCharacters += 1
                    originalCharacters += 1
                }
                if byte == .newline {
                    lineStarts.append(originalCharacters)
                }
                offset += 1
            }
            let firstLine = line(ofByte: tokens.lowerBound)
            let lineStart = firstLine == 1 ? 0 : newlines[firstLine - 2] + 1
            let column = bytes[lineStart..<tokens.lowerBound].reduce(1) { $1.isContinuation ? $0 : $0 + 1 }
            return Statement(
                text: String(decoding: sent, as: UTF8.self),
                originalText: String(decoding: bytes[tokens], as: UTF8.self),
                parameterNames: names,
                startLine: line(ofByte: firstSignificant ?? tokens.lowerBound),
                firstTokenLine: firstLine,
                firstTokenColumn: column,
                positionalParameters: positionals,
                lineStarts: lineStarts,
                rewrites: rewrites
            )
        }

        /// 1 + the number of newlines before `offset`.
        func line(ofByte offset: Int) -> Int {
            var low = 0
            var high = newlines.count
            while low < high {
                let middle = (low + high) / 2
                if newlines[middle] < offset { low = middle + 1 } else { high = middle }
            }
            return low + 1
        }
    }

    /// The state machine of `sqlite3_complete()`, which is how SQLite's own shell knows that the `;` inside
    /// `CREATE TRIGGER … BEGIN …; END` does not end the statement.
    fileprivate enum TriggerState: Int {
        case invalid, start, normal, explain, create, trigger, semicolon, end

        enum Token: Int {
            case semicolon, whitespace, other, explain, create, temp, trigger, end

            init(word: String) {
                self =
                    switch word {
                    case "create": .create
                    case "temp", "temporary": .temp
                    case "trigger": .trigger
                    case "end": .end
                    case "explain": .explain
                    default: .other
                    }
            }
        }

        /// One row per state, one column per token, in the order of the `case`s above: sqlite3_complete's table.
        private static let transitions: [[TriggerState]] = [
            [.start, .invalid, .normal, .explain, .create, .normal, .normal, .normal],  // invalid
            [.start, .start, .normal, .explain, .create, .normal, .normal, .normal],  // start
            [.start, .normal, .normal, .normal, .normal, .normal, .normal, .normal],  // normal
            [.start, .explain, .explain, .normal, .create, .normal, .normal, .normal],  // explain
            [.start, .create, .normal, .normal, .normal, .create, .trigger, .normal],  // create
            [.semicolon, .trigger, .trigger, .trigger, .trigger, .trigger, .trigger, .trigger],  // trigger
            [.semicolon, .semicolon, .trigger, .trigger, .trigger, .trigger, .trigger, .end],  // semicolon
            [.start, .end, .trigger, .trigger, .trigger, .trigger, .trigger, .trigger],  // end
        ]

        func next(_ token: Token) -> TriggerState {
            Self.transitions[rawValue][token.rawValue]
        }
    }
}

extension UInt8 {
    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let newline = UInt8(ascii: "\n")
    fileprivate static let verticalTab: UInt8 = 0x0B
    fileprivate static let formFeed: UInt8 = 0x0C
    fileprivate static let carriageReturn = UInt8(ascii: "\r")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let minus = UInt8(ascii: "-")
    fileprivate static let slash = UInt8(ascii: "/")
    fileprivate static let asterisk = UInt8(ascii: "*")
    fileprivate static let semicolon = UInt8(ascii: ";")
    fileprivate static let colon = UInt8(ascii: ":")
    fileprivate static let singleQuote = UInt8(ascii: "'")
    fileprivate static let doubleQuote = UInt8(ascii: "\"")
    fileprivate static let backtick = UInt8(ascii: "`")
    fileprivate static let backslash = UInt8(ascii: "\\")
    fileprivate static let openBracket = UInt8(ascii: "[")
    fileprivate static let closeBracket = UInt8(ascii: "]")
    fileprivate static let openParen = UInt8(ascii: "(")
    fileprivate static let closeParen = UInt8(ascii: ")")
    fileprivate static let dollar = UInt8(ascii: "$")
    fileprivate static let dot = UInt8(ascii: ".")

    fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    fileprivate var isASCIIUpper: Bool { self >= 0x41 && self <= 0x5A }
    fileprivate var isASCIILetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
    /// A UTF-8 continuation byte: not the start of a character.
    fileprivate var isContinuation: Bool { self & 0xC0 == 0x80 }
    /// Both dialects treat every non-ASCII byte as a letter.
    fileprivate var isIdentifierStart: Bool { isASCIILetter || self == UInt8(ascii: "_") || self >= 0x80 }
    fileprivate var isIdentifierContinuation: Bool { isIdentifierStart || isDigit || self == .dollar }
    fileprivate var isASCIIIdentifierStart: Bool { isASCIILetter || self == UInt8(ascii: "_") }
    fileprivate var isASCIIIdentifierContinuation: Bool { isASCIIIdentifierStart || isDigit }
}

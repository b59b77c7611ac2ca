import CPgQuery
import Glibc
public import PrestartSystem

/// PostgreSQL 15's own grammar through libpg_query: statement boundaries and parse trees, never a guess.
///
/// - Important: libpg_query keeps its memory contexts per thread and frees each result here, so calls from several
///   threads at once are safe.
///
/// The library is opened with `dlopen` the first time it is needed, never at start-up: only `check` and `plan` lint,
/// and `up` (and the PID-1 supervisor, which stays resident) must not pay for its relocations and data.
public enum PostgresParser {
    /// Why linting cannot run here, when libpg_query cannot be opened; nil when it can.
    public static var unavailable: String? {
        if case .failure(let reason) = library { return reason.message }
        return nil
    }
    /// One statement: its tree (`{"IndexStmt": {…}}`) and where it is in the text, in bytes. The location starts
    /// right after the previous `;`, so comments and blank lines before the first token are part of it.
    public struct Statement: Sendable {
        public var tree: JSON
        public var location: Int
        /// Nil for the last statement: it runs to the end of the text.
        public var length: Int?
    }

    /// The parser's error and where it points: a 1-based character position in the text, 0 when it has none.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var position: Int
        public var description: String { message }
    }

    public static func parse(_ text: String) -> Result<[Statement], Failure> {
        let functions: Library
        switch library {
        case .success(let loaded): functions = loaded
        case .failure(let reason): return .failure(reason)
        }
        let result = functions.parse(text)
        defer { functions.freeParse(result) }
        if let error = result.error {
            return .failure(
                Failure(message: error.pointee.message.map { String(cString: $0) } ?? "syntax error",
                        position: Int(error.pointee.cursorpos)))
        }
        guard let tree = result.parse_tree else { return .success([]) }
        let json: JSON
        do {
            json = try JSON.parse(String(cString: tree))
        } catch {
            return .failure(Failure(message: "the parse tree could not be read (\(error))", position: 0))
        }
        let statements = (json["stmts"]?.array ?? []).map { raw in
            Statement(
                tree: raw["stmt"] ?? .null, location: Int(raw["stmt_location"]?.integer ?? 0),
                length: raw["stmt_len"]?.integer.map(Int.init))
        }
        return .success(statements)
    }

    /// Statement boundaries only (byte offset and length, as ``parse(_:)`` gives them), from the parser: what a
    /// runner needs to send one statement at a time.
    public static func split(_ text: String) -> Result<[(location: Int, length: Int)], Failure> {
        let functions: Library
        switch library {
        case .success(let loaded): functions = loaded
        case .failure(let reason): return .failure(reason)
        }
        let result = functions.split(text)
        defer { functions.freeSplit(result) }
        if let error = result.error {
            return .failure(
                Failure(message: error.pointee.message.map { String(cString: $0) } ?? "syntax error",
                        position: Int(error.pointee.cursorpos)))
        }
        var spans: [(location: Int, length: Int)] = []
        for index in 0..<Int(result.n_stmts) {
            guard let statement = result.stmts[index]?.pointee else { continue }
            spans.append((Int(statement.stmt_location), Int(statement.stmt_len)))
        }
        return .success(spans)
    }
}

extension PostgresParser {
    /// The four functions prestart calls, from the shared library.
    struct Library: @unchecked Sendable {
        let parse: @convention(c) (UnsafePointer<CChar>?) -> PgQueryParseResult
        let freeParse: @convention(c) (PgQueryParseResult) -> Void
        let split: @convention(c) (UnsafePointer<CChar>?) -> PgQuerySplitResult
        let freeSplit: @convention(c) (PgQuerySplitResult) -> Void

        /// Debian's runtime package (libpg-query1504.0) names the library by its ABI; the -dev package adds the
        /// plain name.
        static let names = ["libpg_query.so.1504.0", "libpg_query.so"]

        static func open() -> Result<Library, Failure> {
            let library: SharedLibrary
            switch SharedLibrary.open(names) {
            case .success(let opened): library = opened
            case .failure(let failure):
                return .failure(
                    Failure(
                        message: "PostgreSQL's parser (libpg_query) cannot be opened (\(failure.reason)): install "
                            + "libpg-query1504.0 (Debian) to lint SQL", position: 0))
            }
            func symbol<T>(_ name: String, as type: T.Type) -> T? { library.symbol(name, as: type) }
            guard
                let parse = symbol("pg_query_parse", as: (@convention(c) (UnsafePointer<CChar>?) -> PgQueryParseResult).self),
                let freeParse = symbol("pg_query_free_parse_result", as: (@convention(c) (PgQueryParseResult) -> Void).self),
                let split = symbol(
                    "pg_query_split_with_parser", as: (@convention(c) (UnsafePointer<CChar>?) -> PgQuerySplitResult).self),
                let freeSplit = symbol("pg_query_free_split_result", as: (@convention(c) (PgQuerySplitResult) -> Void).self)
            else {
                return .failure(Failure(message: "libpg_query lacks the functions prestart calls", position: 0))
            }
            return .success(Library(parse: parse, freeParse: freeParse, split: split, freeSplit: freeSplit))
        }
    }

    /// Opened once, on first use (a global's initializer runs once, thread-safely).
    static let library = Library.open()
}

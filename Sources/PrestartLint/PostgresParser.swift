import CPgQuery
public import PrestartSystem

/// PostgreSQL 15's own grammar through libpg_query: statement boundaries and parse trees, never a guess.
///
/// - Important: libpg_query keeps its memory contexts per thread and frees each result here, so calls from several
///   threads at once are safe.
public enum PostgresParser {
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
        let result = pg_query_parse(text)
        defer { pg_query_free_parse_result(result) }
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
        let result = pg_query_split_with_parser(text)
        defer { pg_query_free_split_result(result) }
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

extension SQLScript {
    /// The statements as (text, values) pairs, ready for the driver: with `parameters`, `:name` placeholders
    /// are bound by name (never spliced into the text); with `nil`, each statement is sent exactly as written.
    public func bound(_ parameters: [String: String]?) throws(DatabaseError) -> [(sql: String, parameters: [String?])] {
        guard let parameters else { return statements.map { ($0.originalText, []) } }
        var result: [(sql: String, parameters: [String?])] = []
        for statement in statements {
            do {
                result.append((statement.text, try statement.arguments(parameters)))
            } catch {
                var failure = DatabaseError.client(error.description, statement: statement.text)
                failure.line = statement.firstTokenLine
                throw failure
            }
        }
        return result
    }
}

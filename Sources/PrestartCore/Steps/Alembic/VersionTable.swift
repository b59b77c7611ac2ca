/// The table Alembic keeps its applied revisions in: `version_table` in `version_table_schema`, as `env.py`
/// passes them to `context.configure` (`alembic_version` in the search path by default).
public struct VersionTable: Sendable, Equatable, CustomStringConvertible {
    public var name: String
    /// nil: the first schema of the search path that has the table (on SQLite, `main`).
    public var schema: String?

    public static let standard = VersionTable(name: "alembic_version")

    public init(name: String, schema: String? = nil) {
        self.name = name
        self.schema = schema
    }

    /// `schema.name` as a person reads it.
    public var description: String {
        schema.map { "\($0).\(name)" } ?? name
    }

    /// The table in SQL, each part a quoted identifier. SQLAlchemy quotes a name when it is not all lower case
    /// (or is a reserved word) and the database folds an unquoted one to lower case: quoting every part reads the
    /// same table.
    var sql: String {
        (schema.map { Self.quoted($0) + "." } ?? "") + Self.quoted(name)
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }

    /// Why a name from env.py is not one prestart can put in SQL as Alembic would, if it is not.
    static func problem(with identifier: String, isSchema: Bool) -> String? {
        if identifier.isEmpty { return "is empty" }
        if identifier.contains("\u{0}") { return "contains a NUL character" }
        // PostgreSQL cuts longer names to 63 bytes, SQLAlchemy refuses them: not the same table either way.
        if identifier.utf8.count > 63 { return "is longer than 63 bytes" }
        if isSchema && identifier.contains(".") { return "has a dot, which SQLAlchemy may read as database.schema" }
        return nil
    }
}

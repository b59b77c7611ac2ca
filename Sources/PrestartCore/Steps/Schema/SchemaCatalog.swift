import PrestartDatabase

/// The catalog questions the schema step asks, answered by each database's own catalogs.
protocol SchemaCatalog {
    /// Which database answers: the differences' remedies depend on it.
    var dialect: SQLDialect { get }
    /// Everything that exists in the namespace under inspection.
    func objects() throws(DatabaseError) -> Set<SchemaObject>
    /// The shape of every table in the namespace under inspection.
    func tables() throws(DatabaseError) -> [String: TableShape]
    /// Whether the table holds a row.
    func hasRows(_ table: String) throws(DatabaseError) -> Bool
}

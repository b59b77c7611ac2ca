import PrestartDatabase

/// Something a DDL statement creates, as the catalogs name it.
enum SchemaObject: Hashable, Sendable {
    case table(String)
    /// An index, constraint or trigger: created with its table, or reported as drift when the table exists.
    case attached(kind: String, name: String, table: String)
    /// A type, extension, view or sequence: created when missing.
    case standalone(kind: String, name: String)

    /// From a catalog row: its kind (`table`, `index`, `constraint`, `trigger`, `type`, …), name and table.
    init(kind: String, name: String, table: String) {
        switch kind {
        case "table": self = .table(name)
        case "index", "constraint", "trigger": self = .attached(kind: kind, name: name, table: table)
        default: self = .standalone(kind: kind, name: name)
        }
    }
}

/// One table's shape, for drift: columns in order, and index names.
struct TableShape: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        var name: String
        var type: String
        var notNull: Bool
    }

    var name: String
    var columns: [Column]
    var indexes: Set<String>
}

/// The catalog questions the schema step asks, answered by each database's own catalogs.
protocol SchemaCatalog {
    /// Everything that exists in the namespace under inspection.
    func objects() throws(DatabaseError) -> Set<SchemaObject>
    /// The shape of every table in the namespace under inspection.
    func tables() throws(DatabaseError) -> [String: TableShape]
}

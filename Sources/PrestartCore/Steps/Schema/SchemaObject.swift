
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

import PrestartDatabase

/// The schema step's questions, answered from `sqlite_master` and `pragma_table_info` of one database.
struct SQLiteCatalog: SchemaCatalog {
    let connection: any DatabaseConnection

    func objects() throws(DatabaseError) -> Set<SchemaObject> {
        let rows = try connection.query("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        return Set(rows.map { SchemaObject(kind: $0[0] ?? "", name: $0[1] ?? "", table: $0[2] ?? "") })
    }

    func tables() throws(DatabaseError) -> [String: TableShape] {
        let rows = try connection.query(
            """
            SELECT m.name, c.name, c.type, c."notnull"
              FROM sqlite_master m JOIN pragma_table_info(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
             ORDER BY m.name, c.cid
            """)
        let indexes = try connection.query(
            "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")
        var shapes: [String: TableShape] = [:]
        for row in rows {
            let table = row[0] ?? ""
            shapes[table, default: TableShape(name: table, columns: [], indexes: [])].columns.append(
                TableShape.Column(name: row[1] ?? "", type: row[2] ?? "", notNull: row[3] == "1"))
        }
        for row in indexes {
            shapes[row[0] ?? ""]?.indexes.insert(row[1] ?? "")
        }
        return shapes
    }
}

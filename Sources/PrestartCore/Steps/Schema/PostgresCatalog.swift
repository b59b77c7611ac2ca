import PrestartDatabase

/// The schema step's questions, answered from `pg_catalog` for one namespace.
struct PostgresCatalog: SchemaCatalog {
    let connection: any DatabaseConnection
    let namespace: String

    func objects() throws(DatabaseError) -> Set<SchemaObject> {
        let rows = try connection.query(
            """
            SELECT 'table', c.relname, NULL::text FROM pg_class c
             WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('r', 'p')
            UNION ALL SELECT 'index', i.relname, t.relname FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
             WHERE t.relnamespace = to_regnamespace($1)
            UNION ALL SELECT 'constraint', k.conname, t.relname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
             WHERE t.relnamespace = to_regnamespace($1)
            UNION ALL SELECT 'trigger', g.tgname, t.relname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
             WHERE t.relnamespace = to_regnamespace($1) AND NOT g.tgisinternal
            UNION ALL SELECT 'type', y.typname, NULL FROM pg_type y
             WHERE y.typnamespace = to_regnamespace($1) AND y.typtype IN ('e', 'd', 'r')
            UNION ALL SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'view' END, c.relname, NULL FROM pg_class c
             WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('v', 'm', 'S')
            UNION ALL SELECT 'function', p.proname, NULL FROM pg_proc p WHERE p.pronamespace = to_regnamespace($1)
            UNION ALL SELECT 'extension', e.extname, NULL FROM pg_extension e
            """, [namespace])
        return Set(rows.map { SchemaObject(kind: $0[0] ?? "", name: $0[1] ?? "", table: $0[2] ?? "") })
    }

    func tables() throws(DatabaseError) -> [String: TableShape] {
        let rows = try connection.query(
            """
            SELECT 'c', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attnum
              FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
             WHERE c.relnamespace = to_regnamespace($1) AND c.relkind IN ('r', 'p') AND a.attnum > 0
               AND NOT a.attisdropped
            UNION ALL
            SELECT 'i', t.relname, i.relname, NULL, NULL, NULL FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
             WHERE t.relnamespace = to_regnamespace($1)
             ORDER BY 1, 2, 6
            """, [namespace])
        var shapes: [String: TableShape] = [:]
        for row in rows {
            let table = row[1] ?? ""
            if row[0] == "c" {
                shapes[table, default: TableShape(name: table, columns: [], indexes: [])].columns.append(
                    TableShape.Column(name: row[2] ?? "", type: row[3] ?? "", notNull: row[4] == "t"))
            } else {
                shapes[table]?.indexes.insert(row[2] ?? "")
            }
        }
        return shapes
    }
}

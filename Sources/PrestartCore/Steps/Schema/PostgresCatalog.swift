import PrestartDatabase

/// The schema step's questions, answered from `pg_catalog` for one namespace.
struct PostgresCatalog: SchemaCatalog {
    let connection: any DatabaseConnection
    let namespace: String
    /// Whether ``tables()`` reads index and constraint definitions: the shadow's tables are what the file declares and
    /// need them; the real tables are compared by name and validity, and a warm start does not pay for deparsing.
    var definitions = false
    var dialect: SQLDialect { .postgres }

    func objects() throws(DatabaseError) -> Set<SchemaObject> {
        let rows = try connection.query(
            """
            SELECT 'table', c.relname, NULL::text FROM pg_class c
             WHERE c.relnamespace = to_regnamespace(quote_ident($1)) AND c.relkind IN ('r', 'p')
            UNION ALL SELECT 'index', i.relname, t.relname FROM pg_index x
              JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
             WHERE t.relnamespace = to_regnamespace(quote_ident($1))
            UNION ALL SELECT 'constraint', k.conname, t.relname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
             WHERE t.relnamespace = to_regnamespace(quote_ident($1))
            UNION ALL SELECT 'trigger', g.tgname, t.relname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
             WHERE t.relnamespace = to_regnamespace(quote_ident($1)) AND NOT g.tgisinternal
            UNION ALL SELECT 'type', y.typname, NULL FROM pg_type y
             WHERE y.typnamespace = to_regnamespace(quote_ident($1)) AND y.typtype IN ('e', 'd', 'r')
            UNION ALL SELECT CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'view' END, c.relname, NULL FROM pg_class c
             WHERE c.relnamespace = to_regnamespace(quote_ident($1)) AND c.relkind IN ('v', 'm', 'S')
            UNION ALL SELECT 'function', p.proname, NULL FROM pg_proc p WHERE p.pronamespace = to_regnamespace(quote_ident($1))
            UNION ALL SELECT 'extension', e.extname, NULL FROM pg_extension e
            """, [namespace])
        return Set(rows.map { SchemaObject(kind: $0[0] ?? "", name: $0[1] ?? "", table: $0[2] ?? "") })
    }

    func tables() throws(DatabaseError) -> [String: TableShape] {
        let rows = try connection.query(
            """
            SELECT 'c', c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text, a.attnum,
                   pg_get_expr(d.adbin, d.adrelid),
                   CASE WHEN a.attidentity <> '' THEN 'identity' WHEN a.attgenerated <> '' THEN 'generated' END,
                   (c.relkind = 'p')::text,
                   CASE WHEN a.attcollation <> y.typcollation
                       THEN (SELECT quote_ident(l.collname) FROM pg_collation l WHERE l.oid = a.attcollation) END
              FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid JOIN pg_type y ON y.oid = a.atttypid
              LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
             WHERE c.relnamespace = to_regnamespace(quote_ident($1)) AND c.relkind IN ('r', 'p') AND a.attnum > 0
               AND NOT a.attisdropped
            UNION ALL
            SELECT 'i', t.relname, i.relname, x.indisunique::text, x.indisvalid::text, NULL,
                   CASE WHEN $2 THEN substr(d.def, strpos(d.def, d.marker) + length(d.marker)) END,
                   CASE WHEN $2 THEN (SELECT k.conname FROM pg_constraint k WHERE k.conindid = x.indexrelid
                       AND k.conrelid = t.oid AND k.contype IN ('p', 'u', 'x') LIMIT 1) END, NULL, NULL
              FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
              CROSS JOIN LATERAL (
                  SELECT CASE WHEN $2 THEN pg_get_indexdef(x.indexrelid) END AS def,
                         format(' ON %s%I.%I ', CASE WHEN t.relkind = 'p' THEN 'ONLY ' ELSE '' END,
                             t.relnamespace::regnamespace::text, t.relname) AS marker) d
             WHERE t.relnamespace = to_regnamespace(quote_ident($1))
            UNION ALL
            SELECT 'k', t.relname, k.conname, k.contype::text, k.convalidated::text, NULL,
                   CASE WHEN $2 THEN pg_get_constraintdef(k.oid) END, NULL, NULL, NULL
              FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
             WHERE t.relnamespace = to_regnamespace(quote_ident($1)) AND k.contype IN ('p', 'u', 'f', 'c', 'x')
             ORDER BY 1, 2, 6
            """, [namespace, String(definitions)])
        var shapes: [String: TableShape] = [:]
        for row in rows {
            let table = row[1] ?? ""
            let name = row[2] ?? ""
            switch row[0] {
            case "c":
                shapes[table, default: TableShape(name: table, columns: [])].columns.append(
                    TableShape.Column(
                        name: name, type: row[3] ?? "", notNull: row[4] == "true", defaultValue: row[6],
                        computed: row[7], collation: row[9]))
                if row[8] == "true" { shapes[table]?.partitioned = true }
            case "i":
                shapes[table]?.indexes[name] = TableShape.Index(
                    name: name, unique: row[3] == "true", definition: row[6] ?? "", constraint: row[7],
                    valid: row[4] == "true")
            default:
                guard let kind = TableShape.Constraint.Kind(rawValue: row[3] ?? "") else { continue }
                shapes[table]?.constraints[name] = TableShape.Constraint(
                    name: name, kind: kind, definition: row[6] ?? "", valid: row[4] == "true")
            }
        }
        return shapes
    }

    func hasRows(_ table: String) throws(DatabaseError) -> Bool {
        let name = SchemaDiff.quote(namespace) + "." + SchemaDiff.quote(table)
        return try connection.query("SELECT EXISTS (SELECT FROM \(name))").first?.first == "t"
    }

    /// Asks the server which of the declared columns it could add to a table with rows without rewriting it: each
    /// column that has a default or a domain type goes, in turn, onto a one-row probe table, and the table's file
    /// node says whether PostgreSQL rewrote it (a volatile default, a domain's CHECK, any default before PostgreSQL
    /// 11) or not (11+ keeps a non-volatile default as the row's "missing value"). Runs inside the shadow's transaction, so the probe is
    /// rolled back with it; each try has a savepoint of its own, so a column the probe cannot take counts as one that
    /// rewrites.
    func markColumnsThatRewrite(_ shapes: inout [String: TableShape]) throws(DatabaseError) {
        let domains = Set(
            try connection.query(
                """
                SELECT c.relname || '.' || a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                  JOIN pg_type y ON y.oid = a.atttypid
                 WHERE c.relnamespace = to_regnamespace(quote_ident($1)) AND a.attnum > 0 AND y.typtype = 'd'
                """, [namespace]
            ).map { $0[0] ?? "" })
        var probed = false
        for table in shapes.keys.sorted() {
            guard var shape = shapes[table] else { continue }
            for (index, column) in shape.columns.enumerated()
            where column.computed != nil || column.defaultValue != nil || domains.contains("\(table).\(column.name)") {
                guard column.computed == nil else {
                    shape.columns[index].addsWithoutRewrite = false
                    continue
                }
                if !probed {
                    try connection.execute("CREATE TABLE prestart_default_probe (row int)")
                    try connection.execute("INSERT INTO prestart_default_probe VALUES (1)")
                    probed = true
                }
                let node = "SELECT pg_relation_filenode('prestart_default_probe')"
                try connection.execute("SAVEPOINT prestart_probe")
                do throws(DatabaseError) {
                    let before = try connection.query(node).first?.first ?? nil
                    let value = column.defaultValue.map { " DEFAULT \($0)" } ?? ""
                    try connection.execute("ALTER TABLE prestart_default_probe ADD COLUMN probe \(column.type)\(value)")
                    shape.columns[index].addsWithoutRewrite = try connection.query(node).first?.first ?? nil == before
                } catch {
                    shape.columns[index].addsWithoutRewrite = false
                }
                try connection.execute("ROLLBACK TO SAVEPOINT prestart_probe")
            }
            shapes[table] = shape
        }
    }
}

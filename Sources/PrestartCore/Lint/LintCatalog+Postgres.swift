import PrestartDatabase
import PrestartLint

extension LintCatalog {
    /// What `plan` lints against, from the live server in three catalog reads: its version, the tables the units
    /// name (size, columns, partitions' indexes), and the volatility of the functions they call. Read-only.
    static func read(_ connection: any DatabaseConnection, tables: Set<String>, functions: Set<String>) throws(DatabaseError)
        -> LintCatalog
    {
        let versionRow = try connection.query("SELECT current_setting('server_version_num')").first
        let version = versionRow?.first.flatMap { $0 }.flatMap { Int($0) } ?? LintOptions.defaultServerVersion
        var found: [LintCatalog.Table] = []
        if !tables.isEmpty {
            // A partitioned table's own reltuples and size are 0: add up its partitions'.
            let rows = try connection.query(
                """
                SELECT c.oid, n.nspname, c.relname, c.relkind = 'p',
                       CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(greatest(p.reltuples, 0)) FROM pg_inherits h
                            JOIN pg_class p ON p.oid = h.inhrelid WHERE h.inhparent = c.oid), 0) ELSE c.reltuples END,
                       CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(pg_relation_size(h.inhrelid)) FROM pg_inherits h
                            WHERE h.inhparent = c.oid), 0) ELSE pg_relation_size(c.oid) END::bigint / 8192,
                       (SELECT string_agg(a.attname || chr(1) || format_type(a.atttypid, a.atttypmod), chr(2))
                          FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
                       CASE WHEN c.relkind = 'p' THEN (
                         SELECT string_agg(coalesce((
                           SELECT string_agg(coalesce((SELECT string_agg(a.attname, ',' ORDER BY k.ord)
                               FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                               JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum), ''), chr(2))
                             FROM pg_index x WHERE x.indrelid = h.inhrelid), ''), chr(1))
                           FROM pg_inherits h WHERE h.inhparent = c.oid) END
                  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE c.relkind IN ('r', 'p') AND c.relname = ANY($1::text[])
                   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                """, [Self.arrayLiteral(tables)])
            for row in rows {
                let columns = (row[6] ?? "").split(separator: "\u{2}").compactMap { pair -> (String, String)? in
                    let parts = pair.split(separator: "\u{1}", maxSplits: 1)
                    return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
                }
                let partitions = row[7].map { text in
                    text.split(separator: "\u{1}", omittingEmptySubsequences: false).map { partition in
                        partition.split(separator: "\u{2}").map(String.init)
                    }
                } ?? []
                found.append(
                    LintCatalog.Table(
                        name: TableName(schema: row[1], name: row[2] ?? ""), estimatedRows: Double(row[4] ?? "") ?? -1,
                        pages: Int(row[5] ?? "") ?? 0, partitioned: row[3] == "t",
                        columns: Dictionary(columns, uniquingKeysWith: { $1 }),
                        partitionIndexes: partitions))
            }
        }
        var volatility: [String: Character] = [:]
        if !functions.isEmpty {
            // 'v' > 's' > 'i': an overload that is volatile makes the name volatile.
            let rows = try connection.query(
                "SELECT lower(proname), max(provolatile::text) FROM pg_proc WHERE lower(proname) = ANY($1::text[]) GROUP BY 1",
                [Self.arrayLiteral(functions)])
            for row in rows {
                if let name = row[0], let value = row[1]?.first { volatility[name] = value }
            }
        }
        return LintCatalog(serverVersion: version, tables: found, functionVolatility: volatility)
    }

    /// A `text[]` literal, each element double-quoted: bound as a parameter, never spliced into SQL.
    static func arrayLiteral(_ values: Set<String>) -> String {
        "{" + values.sorted().map { value in
            "\"" + value.replacingBackslashesAndQuotes() + "\""
        }.joined(separator: ",") + "}"
    }
}

extension String {
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var out = ""
        for character in self {
            if character == "\\" || character == "\"" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}

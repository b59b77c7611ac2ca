import PrestartDatabase
import PrestartSystem

/// The schema step's questions, answered from `sqlite_master` and the table pragmas of one database.
struct SQLiteCatalog: SchemaCatalog {
    let connection: any DatabaseConnection
    var dialect: SQLDialect { .sqlite }

    func objects() throws(DatabaseError) -> Set<SchemaObject> {
        let rows = try connection.query("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
        return Set(rows.map { SchemaObject(kind: $0[0] ?? "", name: $0[1] ?? "", table: $0[2] ?? "") })
    }

    /// Columns with their defaults, the indexes written as `CREATE INDEX`, and as constraints the foreign keys and the
    /// UNIQUE constraints (SQLite names neither: they are keyed by their columns, `foreign key (team_id)`). CHECK
    /// constraints are not compared on SQLite: it keeps them only inside the table's `CREATE TABLE` text.
    func tables() throws(DatabaseError) -> [String: TableShape] {
        let rows = try connection.query(
            """
            SELECT m.name, c.name, c.type, c."notnull", c.dflt_value, c.pk, c.hidden, m.sql
              FROM sqlite_master m JOIN pragma_table_xinfo(m.name) c
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
             ORDER BY m.name, c.cid
            """)
        let indexes = try connection.query(
            """
            SELECT m.tbl_name, m.name, m.sql, l."unique" FROM sqlite_master m JOIN pragma_index_list(m.tbl_name) l
                ON l.name = m.name
             WHERE m.type = 'index' AND m.name NOT LIKE 'sqlite_%'
            """)
        var shapes: [String: TableShape] = [:]
        var declarations: [String: [String: String]] = [:]
        for row in rows {
            let table = row[0] ?? ""
            let defaultValue = row[4]
            if declarations[table] == nil { declarations[table] = Self.columnDefinitions(row[7] ?? "") }
            // SQLite's ALTER TABLE ADD COLUMN takes no PRIMARY KEY, no stored generated column, and as a default only
            // a plain value (the pragma gives `(datetime('now'))` back without its parentheses).
            let hidden = row[6] ?? "0"
            shapes[table, default: TableShape(name: table, columns: [], createStatement: row[7])].columns.append(
                TableShape.Column(
                    name: row[1] ?? "", type: row[2] ?? "", notNull: row[3] == "1", defaultValue: defaultValue,
                    addsWithoutRewrite: (defaultValue.map(Self.isPlainValue) ?? true) && row[5] == "0",
                    computed: hidden == "0" ? nil : "generated", declaration: declarations[table]?[row[1] ?? ""]))
        }
        for row in indexes {
            let name = row[1] ?? ""
            shapes[row[0] ?? ""]?.indexes[name] = TableShape.Index(
                name: name, unique: row[3] == "1", definition: row[2] ?? "")
        }
        let keys = try connection.query(
            """
            SELECT m.name, k.id, k."from", k."table", k."to", k.on_update, k.on_delete
              FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) k
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
             ORDER BY m.name, k.id, k.seq
            """)
        var foreignKeys: [String: (table: String, from: [String], to: [String], target: String, actions: String)] = [:]
        for row in keys {
            let id = (row[0] ?? "") + "\t" + (row[1] ?? "")
            var key = foreignKeys[id] ?? (row[0] ?? "", [], [], row[3] ?? "", "")
            key.from.append(row[2] ?? "")
            row[4].map { key.to.append($0) }
            for (action, value) in [("UPDATE", row[5]), ("DELETE", row[6])] where value != "NO ACTION" {
                if key.from.count == 1, let value { key.actions += " ON \(action) \(value)" }
            }
            foreignKeys[id] = key
        }
        for key in foreignKeys.values {
            let name = "foreign key (\(key.from.joined(separator: ", ")))"
            let target = SchemaDiff.quote(key.target) + (key.to.isEmpty ? "" : " (" + key.to.map(SchemaDiff.quote).joined(separator: ", ") + ")")
            shapes[key.table]?.constraints[name] = TableShape.Constraint(
                name: name, kind: .foreignKey, definition: "REFERENCES \(target)\(key.actions)", columns: key.from)
        }
        let uniques = try connection.query(
            """
            SELECT m.name, l.name, i.name FROM sqlite_master m JOIN pragma_index_list(m.name) l
              JOIN pragma_index_info(l.name) i
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND l.origin = 'u'
             ORDER BY m.name, l.name, i.seqno
            """)
        var uniqueColumns: [String: (table: String, columns: [String])] = [:]
        for row in uniques {
            uniqueColumns[(row[0] ?? "") + "\t" + (row[1] ?? ""), default: (row[0] ?? "", [])].columns.append(row[2] ?? "")
        }
        for (table, columns) in uniqueColumns.values {
            let name = "unique (\(columns.joined(separator: ", ")))"
            shapes[table]?.constraints[name] = TableShape.Constraint(
                name: name, kind: .unique, definition: "UNIQUE (\(columns.map(SchemaDiff.quote).joined(separator: ", ")))",
                columns: columns)
        }
        return shapes
    }

    func hasRows(_ table: String) throws(DatabaseError) -> Bool {
        try connection.query("SELECT EXISTS (SELECT 1 FROM \(SchemaDiff.quote(table)))").first?.first == "1"
    }

    /// A default SQLite's ADD COLUMN takes: a number, a string, a blob, NULL, TRUE or FALSE.
    static func isPlainValue(_ text: String) -> Bool {
        let upper = text.uppercased()
        if ["NULL", "TRUE", "FALSE"].contains(upper) { return true }
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") { return true }
        if text.count >= 3, upper.hasPrefix("X'"), text.hasSuffix("'") { return true }
        var number = Substring(text)
        if number.first == "-" || number.first == "+" { number = number.dropFirst() }
        return !number.isEmpty && number.first?.isNumber == true
            && number.allSatisfy { $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+" }
    }

    /// Each column's definition in a `CREATE TABLE` statement, by column name: the text between top-level commas in
    /// its parentheses, quotes, brackets and comments respected. Table constraints come out under their first word.
    static func columnDefinitions(_ statement: String) -> [String: String] {
        let characters = Array(statement)
        guard let open = characters.firstIndex(of: "(") else { return [:] }
        var parts: [String] = []
        var current = ""
        var depth = 0
        var index = open + 1
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "'", "\"", "`", "[":
                let close: Character = character == "[" ? "]" : character
                current.append(character)
                index += 1
                while index < characters.count {
                    current.append(characters[index])
                    if characters[index] == close {
                        if index + 1 < characters.count, characters[index + 1] == close, close != "]" {
                            index += 1
                            current.append(characters[index])
                        } else {
                            break
                        }
                    }
                    index += 1
                }
            case "-" where index + 1 < characters.count && characters[index + 1] == "-":
                while index < characters.count, characters[index] != "\n" { index += 1 }
                current.append(" ")
            case "(":
                depth += 1
                current.append(character)
            case ")" where depth == 0:
                parts.append(current)
                index = characters.count
            case ")":
                depth -= 1
                current.append(character)
            case "," where depth == 0:
                parts.append(current)
                current = ""
            default:
                current.append(character)
            }
            index += 1
        }
        var definitions: [String: String] = [:]
        for part in parts {
            let text = part.split(whereSeparator: \.isNewline).map { $0.trimmingWhitespace() }.joined(separator: " ")
                .trimmingWhitespace()
            guard let first = text.first else { continue }
            let name: String
            if let close = ["\"": "\"", "`": "`", "[": "]"][first] {
                let body = text.dropFirst()
                guard let end = body.firstIndex(of: Character(close)) else { continue }
                name = String(body[..<end])
            } else {
                name = String(text.prefix { !$0.isWhitespace })
            }
            definitions[name] = text
        }
        return definitions
    }
}

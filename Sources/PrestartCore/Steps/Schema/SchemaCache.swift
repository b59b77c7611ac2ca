import PrestartDatabase
import PrestartSystem

/// What running a schema file in the shadow taught, kept in the database (`prestart_schema_cache`) under the
/// file's checksum and the server's version: a warm start compares the real catalogs with it instead of
/// creating the shadow again, which costs a fresh session tens of milliseconds of catalog work.
struct SchemaCache: Equatable {
    var created: [Set<SchemaObject>]
    var declared: [String: TableShape]

    /// One line per fact, tab-separated; a tab, newline or backslash in a name is escaped.
    var encoded: String {
        var lines: [String] = []
        for (index, objects) in created.enumerated() {
            for object in objects.sorted(by: { "\($0)" < "\($1)" }) {
                switch object {
                case .table(let name): lines.append(Self.line("T", String(index), name))
                case .attached(let kind, let name, let table): lines.append(Self.line("A", String(index), kind, name, table))
                case .standalone(let kind, let name): lines.append(Self.line("S", String(index), kind, name))
                }
            }
        }
        lines.append(Self.line("N", String(created.count)))
        for table in declared.keys.sorted() {
            let shape = declared[table]!
            lines.append(Self.line("D", table))
            for column in shape.columns {
                lines.append(Self.line("C", table, column.name, column.type, column.notNull ? "1" : "0"))
            }
            for index in shape.indexes.sorted() { lines.append(Self.line("I", table, index)) }
        }
        return lines.joined(separator: "\n")
    }

    init(created: [Set<SchemaObject>], declared: [String: TableShape]) {
        self.created = created
        self.declared = declared
    }

    /// `nil` for text this version did not write: the shadow runs again.
    init?(encoded text: String) {
        var created: [Set<SchemaObject>] = []
        var declared: [String: TableShape] = [:]
        var count: Int?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map { Self.unescape($0) }
            switch (fields.first, fields.count) {
            case ("N", 2): count = Int(fields[1])
            case ("T", 3), ("A", 5), ("S", 4):
                guard let index = Int(fields[1]), index >= 0, index < 100_000 else { return nil }
                while created.count <= index { created.append([]) }
                let object: SchemaObject =
                    switch fields[0] {
                    case "T": .table(fields[2])
                    case "A": .attached(kind: fields[2], name: fields[3], table: fields[4])
                    default: .standalone(kind: fields[2], name: fields[3])
                    }
                created[index].insert(object)
            case ("D", 2): declared[fields[1]] = TableShape(name: fields[1], columns: [], indexes: [])
            case ("C", 5):
                declared[fields[1]]?.columns.append(.init(name: fields[2], type: fields[3], notNull: fields[4] == "1"))
            case ("I", 3): declared[fields[1]]?.indexes.insert(fields[2])
            default: return nil
            }
        }
        guard let count, count >= created.count else { return nil }
        while created.count < count { created.append([]) }
        self.init(created: created, declared: declared)
    }

    private static func line(_ fields: String...) -> String {
        fields.map { $0.replacing("\\", with: "\\\\").replacing("\t", with: "\\t").replacing("\n", with: "\\n") }
            .joined(separator: "\t")
    }

    private static func unescape(_ field: Substring) -> String {
        var result = ""
        var escaping = false
        for character in field {
            if escaping {
                result.append(character == "t" ? "\t" : character == "n" ? "\n" : character)
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    // MARK: The table

    /// The cached lesson for this file on this server, or `nil` (also when the table does not exist yet).
    static func load(step: String, checksum: String, _ connection: any DatabaseConnection) -> SchemaCache? {
        let rows = try? connection.query(
            """
            SELECT payload FROM prestart_schema_cache
             WHERE step = $1 AND checksum = $2 AND server_version = current_setting('server_version_num')
            """, [step, checksum])
        return (rows?.first?.first ?? nil).flatMap { SchemaCache(encoded: $0) }
    }

    /// Best effort: a replica racing to create the table, or a role without CREATE, only costs the next
    /// start another shadow.
    func store(step: String, checksum: String, _ connection: any DatabaseConnection) {
        _ = try? connection.execute(
            """
            CREATE TABLE IF NOT EXISTS prestart_schema_cache (
                step text PRIMARY KEY, checksum text NOT NULL, server_version text NOT NULL, payload text NOT NULL
            )
            """)
        _ = try? connection.execute(
            """
            INSERT INTO prestart_schema_cache (step, checksum, server_version, payload)
            VALUES ($1, $2, current_setting('server_version_num'), $3)
            ON CONFLICT (step) DO UPDATE SET checksum = excluded.checksum, server_version = excluded.server_version,
                payload = excluded.payload
            """, [step, checksum, encoded])
    }
}

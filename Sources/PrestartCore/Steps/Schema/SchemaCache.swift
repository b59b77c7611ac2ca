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
        var lines = [Self.line("V", Self.version)]
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
            guard let shape = declared[table] else { continue }
            lines.append(Self.line("D", table, shape.partitioned ? "1" : "0"))
            for column in shape.columns {
                lines.append(
                    Self.line(
                        "C", table, column.name, column.type, column.notNull ? "1" : "0", Self.optionalField(column.defaultValue),
                        column.addsWithoutRewrite ? "1" : "0", Self.optionalField(column.computed),
                        Self.optionalField(column.collation)))
            }
            for index in shape.indexes.values.sorted(by: { $0.name < $1.name }) {
                lines.append(
                    Self.line(
                        "I", table, index.name, index.unique ? "1" : "0", index.definition, Self.optionalField(index.constraint),
                        index.valid ? "1" : "0"))
            }
            for constraint in shape.constraints.values.sorted(by: { $0.name < $1.name }) {
                lines.append(
                    Self.line(
                        "K", table, constraint.name, constraint.kind.rawValue, constraint.definition,
                        constraint.valid ? "1" : "0"))
            }
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
        var version: String?
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
            case ("V", 2): version = fields[1]
            case ("D", 3):
                declared[fields[1]] = TableShape(name: fields[1], columns: [], partitioned: fields[2] == "1")
            case ("C", 9):
                declared[fields[1]]?.columns.append(
                    .init(
                        name: fields[2], type: fields[3], notNull: fields[4] == "1", defaultValue: Self.optionalValue(fields[5]),
                        addsWithoutRewrite: fields[6] == "1", computed: Self.optionalValue(fields[7]),
                        collation: Self.optionalValue(fields[8])))
            case ("I", 7):
                declared[fields[1]]?.indexes[fields[2]] = .init(
                    name: fields[2], unique: fields[3] == "1", definition: fields[4], constraint: Self.optionalValue(fields[5]),
                    valid: fields[6] == "1")
            case ("K", 6):
                guard let kind = TableShape.Constraint.Kind(rawValue: fields[3]) else { return nil }
                declared[fields[1]]?.constraints[fields[2]] = .init(
                    name: fields[2], kind: kind, definition: fields[4], valid: fields[5] == "1")
            default: return nil
            }
        }
        guard version == Self.version, let count, count >= created.count else { return nil }
        while created.count < count { created.append([]) }
        self.init(created: created, declared: declared)
    }

    /// Written first; text of another version is not read, so the shadow runs again and the table is rewritten.
    static let version = "3"

    /// A value that may be absent, as a field: empty for none, else `=` and the value.
    private static func optionalField(_ value: String?) -> String {
        value.map { "=" + $0 } ?? ""
    }

    private static func optionalValue(_ field: String) -> String? {
        field.hasPrefix("=") ? String(field.dropFirst()) : nil
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

    /// The session's current schema and the cached lesson for this file on this server, in one round trip: the
    /// warm start's. Nil when the table does not exist yet.
    static func load(
        step: String, checksum: String, _ connection: any DatabaseConnection
    ) -> (currentSchema: String?, cache: SchemaCache?)? {
        let rows = try? connection.query(
            """
            SELECT current_schema(), (SELECT payload FROM prestart_schema_cache
             WHERE step = $1 AND checksum = $2 AND server_version = current_setting('server_version_num'))
            """, [step, checksum])
        guard let row = rows?.first, row.count == 2 else { return nil }
        return (row[0], row[1].flatMap { SchemaCache(encoded: $0) })
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

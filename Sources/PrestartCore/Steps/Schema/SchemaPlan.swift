import PrestartDatabase
import PrestartSystem

/// `create_all`, decided: which statements of the file create something missing, and how the tables that
/// already exist differ from the file. Pure, so the rules are tested without a database.
struct SchemaPlan: Equatable {
    /// Indexes into the file's statements, in file order (the file is in dependency order).
    var statements: [Int]
    /// Tables the plan creates.
    var newTables: [String]
    /// One readable line per difference: `item.description: missing column (character varying(255))`.
    var drift: [String]

    /// - Parameters:
    ///   - created: what each statement created when run in the shadow, in file order.
    ///   - declared: the tables as the file declares them (from the shadow).
    ///   - existing: what already exists in the real database.
    ///   - existingTables: the real tables' shapes.
    static func make(
        created: [Set<SchemaObject>], declared: [String: TableShape], existing: Set<SchemaObject>,
        existingTables: [String: TableShape]
    ) -> SchemaPlan {
        let missingTables = Set(declared.keys).filter { existingTables[$0] == nil }
        var statements: [Int] = []
        for (index, objects) in created.enumerated() {
            let needed = objects.contains { object in
                switch object {
                case .table(let name): missingTables.contains(name)
                case .attached(_, _, let table): missingTables.contains(table)
                case .standalone: !existing.contains(object)
                }
            }
            if needed { statements.append(index) }
        }
        var drift: [String] = []
        for name in declared.keys.sorted() {
            guard let want = declared[name], let have = existingTables[name] else { continue }
            drift += differences(want, have)
        }
        let order = created.flatMap { $0.compactMap { if case .table(let name) = $0 { name } else { nil } } }
        return SchemaPlan(
            statements: statements, newTables: order.filter { missingTables.contains($0) }, drift: drift)
    }

    static func differences(_ want: TableShape, _ have: TableShape) -> [String] {
        var lines: [String] = []
        let haveColumns = Dictionary(have.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for column in want.columns {
            let place = "\(want.name).\(column.name)"
            guard let actual = haveColumns[column.name] else {
                lines.append("\(place): missing column (\(column.type)\(column.notNull ? " NOT NULL" : ""))")
                continue
            }
            if actual.type.lowercased() != column.type.lowercased() {
                lines.append("\(place): type is \(actual.type), the models say \(column.type)")
            }
            if actual.notNull != column.notNull {
                lines.append("\(place): \(actual.notNull ? "NOT NULL" : "nullable"), the models say \(column.notNull ? "NOT NULL" : "nullable")")
            }
        }
        let wanted = Set(want.columns.map(\.name))
        for column in have.columns where !wanted.contains(column.name) {
            lines.append("\(want.name).\(column.name): extra column (\(column.type)), not in the models")
        }
        for index in want.indexes.subtracting(have.indexes).sorted() {
            lines.append("\(want.name): missing index \(index)")
        }
        return lines
    }
}

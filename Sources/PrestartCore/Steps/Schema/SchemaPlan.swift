import PrestartDatabase
import PrestartSystem

/// `create_all`, decided: which statements of the file create something missing, and how the tables that
/// already exist differ from the file. Pure, so the rules are tested without a database.
struct SchemaPlan: Equatable {
    /// Indexes into the file's statements, in file order (the file is in dependency order).
    var statements: [Int]
    /// Tables the plan creates.
    var newTables: [String]
    /// The differences of the tables that exist, in table order; ``SchemaChange/phase`` orders them for applying.
    var changes: [SchemaChange]

    /// One readable line per difference: `item.description: missing column (character varying(255))`.
    var drift: [String] { changes.map(\.drift) }

    /// - Parameters:
    ///   - created: what each statement created when run in the shadow, in file order.
    ///   - declared: the tables as the file declares them (from the shadow).
    ///   - existing: what already exists in the real database.
    ///   - existingTables: the real tables' shapes.
    ///   - tablesWithRows: of the tables ``tablesToCount(declared:existingTables:)`` names, those that hold a row.
    static func make(
        created: [Set<SchemaObject>], declared: [String: TableShape], existing: Set<SchemaObject>,
        existingTables: [String: TableShape], dialect: SQLDialect = .postgres, tablesWithRows: Set<String> = []
    ) -> SchemaPlan {
        let missingTables = Set(declared.keys).filter { existingTables[$0] == nil }
        var statements: [Int] = []
        for (index, objects) in created.enumerated() {
            // A table that exists is never created again, whatever else its statement creates (the sequence of a
            // serial or identity column added since is a standalone object): that column is drift.
            let recreates = objects.contains { if case .table(let name) = $0 { !missingTables.contains(name) } else { false } }
            let needed = !recreates && objects.contains { object in
                switch object {
                case .table(let name): missingTables.contains(name)
                case .attached(_, _, let table): missingTables.contains(table)
                case .standalone: !existing.contains(object)
                }
            }
            if needed { statements.append(index) }
        }
        var changes: [SchemaChange] = []
        for name in declared.keys.sorted() {
            guard let want = declared[name], let have = existingTables[name] else { continue }
            changes += SchemaDiff.changes(want, have, dialect: dialect, hasRows: tablesWithRows.contains(name))
        }
        let order = created.flatMap { $0.compactMap { if case .table(let name) = $0 { name } else { nil } } }
        return SchemaPlan(
            statements: statements, newTables: order.filter { missingTables.contains($0) }, changes: changes)
    }

    /// The existing tables whose changes depend on whether they hold a row.
    static func tablesToCount(declared: [String: TableShape], existingTables: [String: TableShape]) -> [String] {
        declared.keys.sorted().filter { name in
            guard let want = declared[name], let have = existingTables[name] else { return false }
            return SchemaDiff.needsRowCheck(want, have)
        }
    }

    /// The statements of the file that created `table` (the table and what is attached to it), for its ledger row.
    static func statements(creating table: String, in created: [Set<SchemaObject>]) -> [Int] {
        created.indices.filter { index in
            created[index].contains { object in
                switch object {
                case .table(let name), .attached(_, _, let name): name == table
                case .standalone: false
                }
            }
        }
    }
}

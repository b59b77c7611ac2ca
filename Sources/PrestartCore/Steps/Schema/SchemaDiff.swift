import PrestartDatabase
import PrestartLint

/// What differs between a table in the database and the same table in the schema file, each difference with its
/// remedy. Pure, so the rules are tested without a database.
///
/// Applied at start are only the changes that add something and keep the table readable and writable while they
/// run: a column the database adds without rewriting the table, an index built concurrently, a constraint added
/// `NOT VALID` and validated afterwards. Everything else (a type change, a column that became NOT NULL, a column
/// that went away, …) is left to a migration.
enum SchemaDiff {
    /// - Parameter hasRows: whether `have` holds a row; asked only when a NOT NULL column without a default is missing
    ///   (``needsRowCheck(_:_:)``).
    static func changes(
        _ want: TableShape, _ have: TableShape, dialect: SQLDialect, hasRows: Bool = true
    ) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let table = quote(want.name)
        let haveColumns = Dictionary(have.columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for column in want.columns {
            let place = "\(want.name).\(column.name)"
            guard let actual = haveColumns[column.name] else {
                changes.append(missing(column, want: want, have: have, dialect: dialect, hasRows: hasRows))
                continue
            }
            if actual.type.lowercased() != column.type.lowercased() {
                changes.append(
                    unsafe(
                        "column \(place)", "\(place): type is \(actual.type), the models say \(column.type)",
                        dialect == .sqlite
                            ? "SQLite cannot change a column's type: the table has to be rebuilt"
                            : "changing a column's type rewrites the table under ACCESS EXCLUSIVE unless the stored form stays the same",
                        migration: dialect == .sqlite
                            ? rebuild(want, have)
                            : [
                                "-- Rewrites the table and its indexes under ACCESS EXCLUSIVE (reads and writes wait) unless the",
                                "-- stored form stays the same (varchar(n) to a longer varchar or to text). On a large table: add a",
                                "-- new column, backfill it in batches, move the app to it, then drop the old one.",
                                "ALTER TABLE \(table) ALTER COLUMN \(quote(column.name)) TYPE \(column.type) USING \(quote(column.name))::\(column.type);",
                            ]))
            }
            if actual.notNull != column.notNull {
                let line =
                    "\(place): \(actual.notNull ? "NOT NULL" : "nullable"), the models say \(column.notNull ? "NOT NULL" : "nullable")"
                let sql: [String] =
                    dialect == .sqlite
                    ? rebuild(want, have)
                    : column.notNull
                        ? ["-- Give every row a value first: UPDATE \(table) SET \(quote(column.name)) = … WHERE \(quote(column.name)) IS NULL;"]
                            + setNotNull(want.name, column.name)
                        : ["ALTER TABLE \(table) ALTER COLUMN \(quote(column.name)) DROP NOT NULL;"]
                changes.append(
                    unsafe(
                        "column \(place)", line,
                        dialect == .sqlite
                            ? "SQLite cannot change a column: the table has to be rebuilt"
                            : column.notNull
                                ? "SET NOT NULL scans the whole table under ACCESS EXCLUSIVE, and fails on a row that holds NULL"
                                : "only additive changes are applied at start",
                        migration: sql))
            }
            if dialect == .postgres, actual.collation != column.collation {
                let collation = column.collation ?? "the type's default"
                changes.append(
                    unsafe(
                        "column \(place)",
                        "\(place): collation \(actual.collation ?? "default"), the models say \(column.collation ?? "default")",
                        "a column's collation changes with its type: the table and its indexes are rewritten",
                        migration: [
                            "-- Rewrites the table and its indexes under ACCESS EXCLUSIVE (reads and writes wait): \(collation).",
                            "ALTER TABLE \(table) ALTER COLUMN \(quote(column.name)) TYPE \(column.type)"
                                + (column.collation.map { " COLLATE \($0)" } ?? "") + ";",
                        ]))
            }
            if dialect == .postgres, actual.defaultValue != column.defaultValue, actual.computed == nil, column.computed == nil {
                let line =
                    switch (actual.defaultValue, column.defaultValue) {
                    case (nil, let want?): "\(place): no default, the models say DEFAULT \(want)"
                    case (let have?, nil): "\(place): DEFAULT \(have), the models say no default"
                    default: "\(place): DEFAULT \(actual.defaultValue ?? ""), the models say DEFAULT \(column.defaultValue ?? "")"
                    }
                changes.append(
                    unsafe(
                        "column \(place)", line, "only additive changes are applied at start: a default decides what new rows get",
                        migration: [
                            column.defaultValue.map { "ALTER TABLE \(table) ALTER COLUMN \(quote(column.name)) SET DEFAULT \($0);" }
                                ?? "ALTER TABLE \(table) ALTER COLUMN \(quote(column.name)) DROP DEFAULT;"
                        ]))
            }
        }
        let wanted = Set(want.columns.map(\.name))
        for column in have.columns where !wanted.contains(column.name) {
            changes.append(
                unsafe(
                    "column \(want.name).\(column.name)",
                    "\(want.name).\(column.name): extra column (\(column.type)), not in the models",
                    "dropping a column loses its data; prestart never does it",
                    migration: [
                        "-- Contract step, once no running version of the app reads or writes it (this loses its data):",
                        "-- ALTER TABLE \(table) DROP COLUMN \(quote(column.name));",
                    ]))
        }
        for index in want.indexes.values.sorted(by: { $0.name < $1.name }) where index.constraint == nil {
            if let existing = have.indexes[index.name], existing.valid { continue }
            changes.append(missing(index, of: want, have: have, dialect: dialect))
        }
        for constraint in want.constraints.values.sorted(by: { $0.name < $1.name }) {
            if let existing = have.constraints[constraint.name], existing.valid { continue }
            if dialect == .sqlite {
                // A foreign key on a column being added goes into its ADD COLUMN; anything else SQLite cannot add.
                if constraint.kind == .foreignKey, constraint.columns.count == 1,
                    let column = constraint.columns.first, haveColumns[column] == nil
                {
                    continue
                }
                changes.append(
                    unsafe(
                        "constraint \(want.name).\(constraint.name)",
                        "\(want.name): missing \(constraint.name) \(constraint.kind == .foreignKey ? constraint.definition : "constraint")",
                        "SQLite cannot add a constraint to an existing table: the table has to be rebuilt",
                        migration: rebuild(want, have)))
                continue
            }
            changes.append(missing(constraint, of: want, have: have, dialect: dialect))
        }
        return changes
    }

    /// Whether ``changes(_:_:dialect:hasRows:)`` needs to know if the table has rows: a missing NOT NULL column
    /// without a default can be added to an empty table only.
    static func needsRowCheck(_ want: TableShape, _ have: TableShape) -> Bool {
        let haveColumns = Set(have.columns.map(\.name))
        return want.columns.contains {
            !haveColumns.contains($0.name) && $0.notNull && $0.defaultValue == nil && $0.computed == nil
        }
    }

    // MARK: Missing columns

    private static func missing(
        _ column: TableShape.Column, want: TableShape, have: TableShape, dialect: SQLDialect, hasRows: Bool
    ) -> SchemaChange {
        let tableName = want.name
        let place = "\(tableName).\(column.name)"
        let table = quote(tableName)
        var declaration = "\(quote(column.name)) \(column.type)"
        if let collation = column.collation { declaration += " COLLATE \(collation)" }
        if let value = column.defaultValue { declaration += " DEFAULT \(value)" }
        if column.notNull { declaration += " NOT NULL" }
        let line =
            "\(place): missing column (\(column.type)\(column.notNull ? " NOT NULL" : "")\(column.defaultValue.map { " DEFAULT \($0)" } ?? ""))"
        let add = "ALTER TABLE \(table) ADD COLUMN \(declaration)"
        func refused(_ reason: String, _ migration: [String]) -> SchemaChange {
            unsafe("column \(place)", line, reason, migration: migration)
        }
        if column.computed != nil {
            return refused(
                "an \(column.computed ?? "") column is computed for every row: adding it rewrites the table",
                ["-- Rewrites the table under ACCESS EXCLUSIVE: add it as \(dialect == .sqlite ? "the schema file declares it, in a table rebuild" : "the schema file declares it"):"]
                    + (dialect == .sqlite ? rebuild(want, have) : ["-- \(add) …;"]))
        }
        if dialect == .sqlite {
            // The column as the file writes it (its COLLATE, CHECK and REFERENCES included), which SQLite's catalog
            // does not give back.
            if let written = column.declaration { declaration = written }
            let upper = declaration.uppercased()
            let unique = want.constraints.values.contains { $0.kind == .unique && $0.columns.contains(column.name) }
            if unique || upper.contains("UNIQUE") || upper.contains("PRIMARY KEY") {
                return refused("SQLite adds no UNIQUE or PRIMARY KEY column", rebuild(want, have))
            }
            let reference = want.constraints.values.first { $0.kind == .foreignKey && $0.columns == [column.name] }
            if let reference {
                guard column.defaultValue == nil || column.defaultValue?.uppercased() == "NULL" else {
                    return refused(
                        "SQLite adds a column with a foreign key only when its default is NULL", rebuild(want, have))
                }
                if !upper.contains("REFERENCES") { declaration += " " + reference.definition }
            }
            if !column.addsWithoutRewrite {
                return refused(
                    "SQLite adds no column whose default is not a plain value (an expression, the current time)",
                    rebuild(want, have))
            }
            if column.notNull && (column.defaultValue == nil || column.defaultValue?.uppercased() == "NULL") {
                return refused(
                    "SQLite adds a NOT NULL column only with a default", rebuild(want, have))
            }
            return SchemaChange(
                subject: "column \(place)", drift: line,
                remedy: .safe([
                    .init(
                        sql: "ALTER TABLE \(table) ADD COLUMN \(declaration)", lock: nil, transactional: true,
                        holds: "the database's write lock, briefly")
                ]), phase: 0)
        }
        if !column.addsWithoutRewrite, column.defaultValue == nil {
            return refused(
                "adding a column of type \(column.type) rewrites the table under ACCESS EXCLUSIVE (a domain with a CHECK)",
                [
                    "-- Rewrites the table under ACCESS EXCLUSIVE (reads and writes wait); on a large table add it as the",
                    "-- domain's base type, backfill, then change the type.",
                    add + ";",
                ])
        }
        if !column.addsWithoutRewrite, let value = column.defaultValue {
            return refused(
                "its default (\(value)) is volatile: adding it rewrites the table under ACCESS EXCLUSIVE",
                [
                    "-- Expand: the column without its default, then the default for new rows (neither rewrites the table).",
                    "ALTER TABLE \(table) ADD COLUMN \(quote(column.name)) \(column.type);",
                ] + ownedSequence(value, table: table, column: column.name) + [
                    "ALTER TABLE \(table) ALTER COLUMN \(quote(column.name)) SET DEFAULT \(value);",
                    "-- Backfill the rows that were there, as adding the column with its default would (in batches on a",
                    "-- large table: it locks the rows it updates).",
                    "UPDATE \(table) SET \(quote(column.name)) = \(value) WHERE \(quote(column.name)) IS NULL;",
                ] + (column.notNull ? setNotNull(tableName, column.name) : []))
        }
        if column.notNull, column.defaultValue == nil, hasRows {
            return refused(
                "a NOT NULL column without a default cannot be added to a table that has rows",
                [
                    "-- Expand: the column nullable, a value for every row, then NOT NULL without a long lock.",
                    "ALTER TABLE \(table) ADD COLUMN \(quote(column.name)) \(column.type);",
                    "-- Backfill, in batches on a large table: UPDATE \(table) SET \(quote(column.name)) = … WHERE \(quote(column.name)) IS NULL;",
                ] + setNotNull(tableName, column.name))
        }
        return SchemaChange(
            subject: "column \(place)", drift: line,
            remedy: .safe([
                .init(
                    sql: add, lock: .accessExclusive, transactional: true,
                    holds: "briefly: the table is not rewritten or scanned")
            ]), phase: 0)
    }

    /// `DEFERRABLE` and `INITIALLY DEFERRED` as `pg_get_constraintdef` ends a constraint's definition with them.
    private static func deferral(_ definition: String) -> String {
        (definition.hasSuffix(" DEFERRABLE") || definition.contains(" DEFERRABLE INITIALLY") ? " DEFERRABLE" : "")
            + (definition.hasSuffix(" INITIALLY DEFERRED") ? " INITIALLY DEFERRED" : "")
    }

    /// A serial column's default names the sequence its `CREATE TABLE` made: added later, the sequence is made too.
    private static func ownedSequence(_ value: String, table: String, column: String) -> [String] {
        let prefix = "nextval('"
        let suffix = "'::regclass)"
        guard value.hasPrefix(prefix), value.hasSuffix(suffix) else { return [] }
        let sequence = value.dropFirst(prefix.count).dropLast(suffix.count)
        return ["CREATE SEQUENCE IF NOT EXISTS \(sequence) OWNED BY \(table).\(quote(column));"]
    }

    // MARK: Missing indexes and constraints

    private static func missing(
        _ index: TableShape.Index, of table: TableShape, have: TableShape, dialect: SQLDialect
    ) -> SchemaChange {
        let line =
            have.indexes[index.name] != nil
            ? "\(table.name): index \(index.name) is invalid (an interrupted CREATE INDEX CONCURRENTLY)"
            : "\(table.name): missing index \(index.name)"
        let subject = "index \(index.name)"
        if dialect == .sqlite {
            return SchemaChange(
                subject: subject, drift: line,
                remedy: .safe([
                    .init(sql: index.definition, lock: nil, transactional: true, holds: "the database's write lock, while it builds")
                ]), phase: 1)
        }
        if table.partitioned {
            return unsafe(
                subject, line, "the table is partitioned: its indexes cannot be built concurrently",
                migration: [
                    "-- Build it on each partition concurrently and attach those, or as below (writes wait while it builds):",
                    createIndexConcurrently(index, on: table.name).replacing(" CONCURRENTLY", with: "") + ";",
                ])
        }
        return SchemaChange(
            subject: subject, drift: line, remedy: .safe(buildConcurrently(index, on: table.name, have: have)), phase: 1)
    }

    private static func missing(
        _ constraint: TableShape.Constraint, of table: TableShape, have: TableShape, dialect: SQLDialect
    ) -> SchemaChange {
        let notValidated = have.constraints[constraint.name] != nil
        let kind =
            switch constraint.kind {
            case .primaryKey: "primary key"
            case .unique: "unique constraint"
            case .foreignKey: "foreign key"
            case .check: "check constraint"
            case .exclusion: "exclusion constraint"
            }
        let line =
            notValidated
            ? "\(table.name): \(kind) \(constraint.name) is not validated"
            : "\(table.name): missing \(kind) \(constraint.name) (\(constraint.definition))"
        let subject = "constraint \(table.name).\(constraint.name)"
        let quotedTable = quote(table.name)
        let name = quote(constraint.name)
        let add = "ALTER TABLE \(quotedTable) ADD CONSTRAINT \(name) \(constraint.definition)"
        let validate = SchemaChange.DDL(
            sql: "ALTER TABLE \(quotedTable) VALIDATE CONSTRAINT \(name)", lock: .shareUpdateExclusive, transactional: true,
            holds: "while it checks every row; reads and writes go on")
        switch constraint.kind {
        case .foreignKey, .check:
            if notValidated { return SchemaChange(subject: subject, drift: line, remedy: .safe([validate]), phase: 2) }
            if constraint.kind == .foreignKey, table.partitioned {
                return unsafe(
                    subject, line, "PostgreSQL adds no NOT VALID foreign key to a partitioned table",
                    migration: ["-- Checks every row while writes to both tables wait:", add + ";"])
            }
            let lock: LockLevel = constraint.kind == .foreignKey ? .shareRowExclusive : .accessExclusive
            return SchemaChange(
                subject: subject, drift: line,
                remedy: .safe([
                    .init(
                        sql: add + " NOT VALID", lock: lock, transactional: true,
                        holds: "briefly: existing rows are not checked yet"
                            + (constraint.kind == .foreignKey ? " (the referenced table too)" : "")),
                    validate,
                ]), phase: 2)
        case .unique:
            let index = table.indexes.values.first { $0.constraint == constraint.name }
            guard let index, !table.partitioned else {
                return unsafe(subject, line, "its index cannot be built concurrently", migration: [add + ";"])
            }
            let backing = TableShape.Index(name: constraint.name, unique: true, definition: index.definition)
            return SchemaChange(
                subject: subject, drift: line,
                remedy: .safe(buildConcurrently(backing, on: table.name, have: have) + [
                    .init(
                        sql: "ALTER TABLE \(quotedTable) ADD CONSTRAINT \(name) UNIQUE USING INDEX \(name)"
                            + deferral(constraint.definition),
                        lock: .accessExclusive, transactional: true, holds: "briefly: the index is already built"),
                ]), phase: 2)
        case .primaryKey, .exclusion:
            let index = table.indexes.values.first { $0.constraint == constraint.name }
            var migration = ["-- Builds its index while writes wait (ACCESS EXCLUSIVE); on a large table build it first:"]
            if let index, constraint.kind == .primaryKey {
                let backing = TableShape.Index(name: constraint.name, unique: true, definition: index.definition)
                migration += [
                    createIndexConcurrently(backing, on: table.name) + ";",
                    "ALTER TABLE \(quotedTable) ADD CONSTRAINT \(name) PRIMARY KEY USING INDEX \(name);",
                ]
            } else {
                migration.append(add + ";")
            }
            return unsafe(
                subject, line, "a \(kind) builds its index while writes wait (and a primary key needs NOT NULL columns)",
                migration: migration)
        }
    }

    // MARK: Statements

    static func createIndexConcurrently(_ index: TableShape.Index, on table: String) -> String {
        "CREATE \(index.unique ? "UNIQUE " : "")INDEX CONCURRENTLY \(quote(index.name)) ON \(quote(table)) \(index.definition)"
    }

    /// `index` built concurrently, unless `have` has a valid one of its name (built by an earlier attempt that stopped
    /// before a constraint took it over); an invalid one an interrupted build left is dropped first.
    private static func buildConcurrently(
        _ index: TableShape.Index, on table: String, have: TableShape
    ) -> [SchemaChange.DDL] {
        guard have.indexes[index.name]?.valid != true else { return [] }
        let drop = SchemaChange.DDL(
            sql: "DROP INDEX CONCURRENTLY IF EXISTS \(quote(index.name))", lock: .shareUpdateExclusive,
            transactional: false, holds: "briefly")
        let build = SchemaChange.DDL(
            sql: createIndexConcurrently(index, on: table), lock: .shareUpdateExclusive, transactional: false,
            holds: "while it builds; reads and writes go on", builds: .init(index: index.name, table: table))
        return (have.indexes[index.name] == nil ? [] : [drop]) + [build]
    }

    /// NOT NULL without the long lock: a CHECK added `NOT VALID` is validated while reads and writes go on, and
    /// `SET NOT NULL` then trusts it instead of scanning the table (PostgreSQL 12+).
    static func setNotNull(_ table: String, _ column: String) -> [String] {
        let check = quote("\(table)_\(column)_not_null")
        return [
            "-- NOT NULL without scanning the table under ACCESS EXCLUSIVE: a CHECK validated while reads and writes go",
            "-- on, which SET NOT NULL then trusts (PostgreSQL 12+). Each statement in a transaction of its own.",
            "ALTER TABLE \(quote(table)) ADD CONSTRAINT \(check) CHECK (\(quote(column)) IS NOT NULL) NOT VALID;",
            "ALTER TABLE \(quote(table)) VALIDATE CONSTRAINT \(check);",
            "ALTER TABLE \(quote(table)) ALTER COLUMN \(quote(column)) SET NOT NULL;",
            "ALTER TABLE \(quote(table)) DROP CONSTRAINT \(check);",
        ]
    }

    /// SQLite changes a column only by rebuilding its table: the table as the file declares it under another name,
    /// the rows copied, the old table dropped, the new one renamed, its indexes created again (SQLite's "Making
    /// Other Kinds Of Table Schema Changes"). Foreign keys are off for the copy, which works outside a transaction
    /// only: the file is `no-transaction` and makes its own.
    static func rebuild(_ want: TableShape, _ have: TableShape) -> [String] {
        guard let create = want.createStatement, let open = create.firstIndex(of: "(") else {
            return ["-- Rebuild \(quote(want.name)) as the schema file declares it (https://www.sqlite.org/lang_altertable.html)."]
        }
        let new = quote("prestart_new_\(want.name)")
        let kept = Set(have.columns.map(\.name))
        let columns = want.columns.map(\.name).filter { kept.contains($0) }.map(quote).joined(separator: ", ")
        return [
            "-- SQLite changes a column only by rebuilding its table (https://www.sqlite.org/lang_altertable.html).",
            "PRAGMA foreign_keys = OFF;",
            "BEGIN IMMEDIATE;",
            "CREATE TABLE \(new) " + create[open...] + ";",
            "INSERT INTO \(new) (\(columns)) SELECT \(columns) FROM \(quote(want.name));",
            "DROP TABLE \(quote(want.name));",
            "ALTER TABLE \(new) RENAME TO \(quote(want.name));",
        ] + want.indexes.values.sorted(by: { $0.name < $1.name }).map { $0.definition + ";" } + [
            "COMMIT;",
            "PRAGMA foreign_keys = ON;",
        ]
    }

    private static func unsafe(_ subject: String, _ line: String, _ reason: String, migration: [String]) -> SchemaChange {
        SchemaChange(subject: subject, drift: line, remedy: .unsafe(reason: reason, migration: migration), phase: 3)
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }
}

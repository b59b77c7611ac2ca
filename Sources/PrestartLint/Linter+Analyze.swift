import PrestartSystem

/// Per statement kind: the command, the locks PostgreSQL documents for it, and the rules it may break.
extension Linter {
    func analyze(_ tree: JSON, into analysis: inout Analysis, state: inout UnitState, memory: inout LintMemory) {
        guard let (type, node) = tree.node else {
            analysis.command = "statement"
            return
        }
        switch type {
        case "IndexStmt": index(node, into: &analysis, state: state)
        case "AlterTableStmt": alterTable(node, into: &analysis, state: &state, memory: &memory)
        case "CreateStmt": createTable(node, into: &analysis, state: &state, memory: &memory)
        case "DropStmt": drop(node, into: &analysis, state: state)
        case "RenameStmt": rename(node, into: &analysis, state: state)
        case "TruncateStmt":
            analysis.command = "TRUNCATE"
            let tables = (node["relations"]?.array ?? []).compactMap { $0["RangeVar"] }.compactMap { relation in
                relation["relname"]?.string.map { TableName(schema: relation.text("schemaname"), name: $0) }
            }
            for table in tables { analysis.lock(.accessExclusive, table) }
            if node.text("behavior") == "DROP_CASCADE", let table = tables.first {
                analysis.flag(.truncateCascade, on: table, harmlessWhenEmpty: false) { _ in
                    "TRUNCATE … CASCADE on \(table) also empties every table that references it by a foreign key, "
                        + "and theirs in turn. Name the tables to empty explicitly, without CASCADE."
                }
            }
        case "VacuumStmt":
            let isVacuum = node.flag("is_vacuumcmd")
            let options = (node["options"]?.array ?? []).compactMap { $0["DefElem"]?.text("defname") }
            let full = isVacuum && options.contains("full")
            analysis.command = isVacuum ? (full ? "VACUUM FULL" : "VACUUM") : "ANALYZE"
            let tables = (node["rels"]?.array ?? []).compactMap { $0["VacuumRelation"]?.rangeVar("relation") }
            for table in tables { analysis.lock(full ? .accessExclusive : .shareUpdateExclusive, table) }
            if full {
                for table in tables where !state.isNew(table) {
                    analysis.flag(.vacuumFullOrCluster, on: table) { size in
                        "VACUUM FULL rewrites \(table)\(size) under ACCESS EXCLUSIVE lock: reads and writes wait for the "
                            + "whole rewrite. Use pg_repack, or plain VACUUM."
                    }
                }
            }
        case "ClusterStmt":
            analysis.command = "CLUSTER"
            let table = node.rangeVar("relation")
            analysis.lock(.accessExclusive, table)
            if !state.isNew(table) {
                analysis.flag(.vacuumFullOrCluster, on: table) { size in
                    "CLUSTER rewrites \(table.map(\.description) ?? "every clustered table")\(size) under ACCESS "
                        + "EXCLUSIVE lock: reads and writes wait for the whole rewrite. Use pg_repack instead."
                }
            }
        case "ReindexStmt":
            let concurrent = (node["params"]?.array ?? []).contains { $0["DefElem"]?.text("defname") == "concurrently" }
            analysis.command = concurrent ? "REINDEX CONCURRENTLY" : "REINDEX"
            if let table = node.rangeVar("relation") {
                analysis.lock(concurrent ? .shareUpdateExclusive : .share, table)
            }
            if concurrent { inTransactionCheck("REINDEX CONCURRENTLY", table: node.rangeVar("relation"), into: &analysis, state: state) }
        case "AlterEnumStmt":
            analysis.command = node.text("newVal") != nil ? "ALTER TYPE ADD VALUE" : "ALTER TYPE RENAME VALUE"
            if node.text("newVal") != nil, state.transactional {
                let typeName = node.names("typeName").joined(separator: ".")
                analysis.flag(.enumAddValueInTransaction, on: nil, harmlessWhenEmpty: false) { _ in
                    "ALTER TYPE \(typeName) ADD VALUE cannot run inside a transaction block before PostgreSQL 12, and "
                        + "this unit runs in one: it will fail. Put it in a migration file that starts with "
                        + "-- prestart:no-transaction."
                }
            }
        case "VariableSetStmt":
            let name = node.text("name")?.lowercased() ?? ""
            analysis.command = node.text("kind") == "VAR_RESET" ? "RESET \(name)" : "SET \(name)"
            if name == "lock_timeout" || name == "statement_timeout" {
                if node.text("kind") == "VAR_SET_VALUE", Self.isZero(node["args"]) {
                    analysis.disablesTimeout = name
                } else {
                    analysis.restoresTimeout = true
                }
            }
        case "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt":
            analysis.command = String(type.dropLast("Stmt".count)).uppercased()
            analysis.lock(.rowExclusive, node.rangeVar("relation"))
        case "SelectStmt":
            analysis.command = "SELECT"
            let locking = !(node["lockingClause"]?.array ?? []).isEmpty
            for item in node["fromClause"]?.array ?? [] {
                if let relation = item["RangeVar"], let name = relation.text("relname") {
                    analysis.lock(locking ? .rowShare : .accessShare, TableName(schema: relation.text("schemaname"), name: name))
                }
            }
        case "CopyStmt":
            analysis.command = node.flag("is_from") ? "COPY FROM" : "COPY TO"
            analysis.lock(node.flag("is_from") ? .rowExclusive : .accessShare, node.rangeVar("relation"))
        case "LockStmt":
            analysis.command = "LOCK TABLE"
            let level = node["mode"]?.integer.flatMap(LockLevel.init(lockMode:)) ?? .accessExclusive
            for item in node["relations"]?.array ?? [] {
                if let relation = item["RangeVar"], let name = relation.text("relname") {
                    analysis.lock(level, TableName(schema: relation.text("schemaname"), name: name))
                }
            }
        case "CreateTrigStmt":
            analysis.command = "CREATE TRIGGER"
            analysis.lock(.shareRowExclusive, node.rangeVar("relation"))
        case "RefreshMatViewStmt":
            let concurrent = node.flag("concurrent")
            analysis.command = concurrent ? "REFRESH MATERIALIZED VIEW CONCURRENTLY" : "REFRESH MATERIALIZED VIEW"
            analysis.lock(concurrent ? .exclusive : .accessExclusive, node.rangeVar("relation"))
        case "CommentStmt":
            analysis.command = "COMMENT"
        case "CreateTableAsStmt":
            analysis.command = node.text("objtype") == "OBJECT_MATVIEW" ? "CREATE MATERIALIZED VIEW" : "CREATE TABLE AS"
            if let table = node["into"]?.rangeVar("rel") { state.created.append(table) }
        default:
            analysis.command = Self.words(type.hasSuffix("Stmt") ? String(type.dropLast(4)) : type)
        }
    }

    // MARK: CREATE INDEX

    private func index(_ node: JSON, into analysis: inout Analysis, state: UnitState) {
        let concurrent = node.flag("concurrent")
        let unique = node.flag("unique")
        let command = "CREATE \(unique ? "UNIQUE " : "")INDEX\(concurrent ? " CONCURRENTLY" : "")"
        analysis.command = command
        guard let table = node.rangeVar("relation") else { return }
        // `ON ONLY t`: the parser leaves `inh` false. On a partitioned table that creates an invalid parent index and
        // builds nothing; partitions' indexes are attached later.
        let only = !(node["relation"]?.flag("inh") ?? true)
        analysis.lock(concurrent ? .shareUpdateExclusive : .share, table)
        if concurrent {
            inTransactionCheck(command, table: table, into: &analysis, state: state)
            return
        }
        guard !state.isNew(table) else { return }
        let facts = catalog?.table(table)
        if let facts, facts.partitioned {
            if only { return }
            let columns = (node["indexParams"]?.array ?? []).compactMap { $0["IndexElem"]?.text("name") }
            let key = columns.joined(separator: ",")
            let missing = facts.partitionIndexes.filter { columns.isEmpty || !$0.contains(key) }.count
            guard missing > 0 else { return }
            analysis.flag(.requireConcurrentIndex, on: table) { size in
                "\(command) on partitioned \(table)\(size) builds the index on \(missing) partition(s) that have none, "
                    + "under SHARE lock: writes wait for the whole build. Create each partition's index CONCURRENTLY "
                    + "first, then CREATE INDEX ON ONLY \(table) and ALTER INDEX … ATTACH PARTITION."
            }
            return
        }
        // Offline, ON ONLY is taken to name a partitioned table (on a plain one it would make no sense to write).
        if only && facts == nil { return }
        analysis.flag(.requireConcurrentIndex, on: table) { size in
            "\(command) on \(table)\(size) takes SHARE lock: writes wait for the whole build. Use \(command) "
                + "CONCURRENTLY in a file that starts with -- prestart:no-transaction."
        }
    }

    /// `concurrently-in-transaction`: the statement fails inside a transaction block.
    private func inTransactionCheck(_ command: String, table: TableName?, into analysis: inout Analysis, state: UnitState) {
        guard state.transactional else { return }
        analysis.flag(.concurrentlyInTransaction, on: table, harmlessWhenEmpty: false) { _ in
            "\(command) cannot run inside a transaction block, and this unit runs in one: it will fail. Put it in a "
                + "migration file that starts with -- prestart:no-transaction."
        }
    }

    // MARK: CREATE TABLE

    private func createTable(_ node: JSON, into analysis: inout Analysis, state: inout UnitState, memory: inout LintMemory) {
        guard let table = node.rangeVar("relation") else { return }
        analysis.command = "CREATE TABLE"
        // IF NOT EXISTS on a table `plan` finds: nothing is created, and what follows runs on the existing rows.
        if !(node.flag("if_not_exists") && catalog?.table(table) != nil) { state.created.append(table) }
        analysis.lock(.accessExclusive, table)
        for parent in (node["inhRelations"]?.array ?? []).compactMap({ $0["RangeVar"] }) {
            guard let name = parent.text("relname") else { continue }
            // PARTITION OF takes ACCESS EXCLUSIVE on the parent; INHERITS a SHARE UPDATE EXCLUSIVE.
            analysis.lock(node["partbound"] != nil ? .accessExclusive : .shareUpdateExclusive,
                          TableName(schema: parent.text("schemaname"), name: name))
        }
        for element in node["tableElts"]?.array ?? [] {
            if let column = element["ColumnDef"], let name = column.text("colname") {
                memory.columnTypes["\(table.name).\(name)"] = Self.typeText(column["typeName"])
                for constraint in (column["constraints"]?.array ?? []).compactMap({ $0["Constraint"] })
                where constraint.text("contype") == "CONSTR_FOREIGN" {
                    analysis.lock(.shareRowExclusive, constraint.rangeVar("pktable"))
                }
            } else if let constraint = element["Constraint"], constraint.text("contype") == "CONSTR_FOREIGN" {
                analysis.lock(.shareRowExclusive, constraint.rangeVar("pktable"))
            }
        }
    }

    // MARK: DROP, RENAME

    private func drop(_ node: JSON, into analysis: inout Analysis, state: UnitState) {
        let kind = node.text("removeType") ?? ""
        let concurrent = node.flag("concurrent")
        let objects = (node["objects"]?.array ?? []).map { object -> TableName? in
            let names = object["List"]?.names("items") ?? []
            guard let last = names.last else { return nil }
            return TableName(schema: names.count > 1 ? names[names.count - 2] : nil, name: last)
        }.compactMap { $0 }
        switch kind {
        case "OBJECT_INDEX":
            analysis.command = "DROP INDEX\(concurrent ? " CONCURRENTLY" : "")"
            for index in objects {
                analysis.locks.append((concurrent ? .shareUpdateExclusive : .accessExclusive, "the table of index \(index)", nil))
            }
            if concurrent {
                inTransactionCheck("DROP INDEX CONCURRENTLY", table: nil, into: &analysis, state: state)
            } else if let index = objects.first {
                analysis.flag(.requireConcurrentDropIndex, on: nil) { _ in
                    "DROP INDEX \(index) takes ACCESS EXCLUSIVE lock on its table: reads and writes wait. Use DROP "
                        + "INDEX CONCURRENTLY in a file that starts with -- prestart:no-transaction."
                }
            }
        case "OBJECT_TABLE":
            analysis.command = "DROP TABLE"
            for table in objects {
                analysis.lock(.accessExclusive, table)
                guard !state.isNew(table) else { continue }
                analysis.flag(.dropTable, on: table) { size in
                    "DROP TABLE \(table)\(size): its data is gone, and the app version still running may use it. Stop "
                        + "using the table in code (and deploy that) first, then drop it in a later release."
                }
            }
        default:
            analysis.command = "DROP " + Self.words(String(kind.dropFirst("OBJECT_".count)).lowercased())
        }
    }

    private func rename(_ node: JSON, into analysis: inout Analysis, state: UnitState) {
        let kind = node.text("renameType") ?? ""
        let table = node.rangeVar("relation")
        let newName = node.text("newname") ?? "?"
        switch kind {
        case "OBJECT_COLUMN":
            analysis.command = "ALTER TABLE RENAME COLUMN"
            analysis.lock(.accessExclusive, table)
            guard let table, !state.isNew(table) else { return }
            let old = node.text("subname") ?? "?"
            analysis.flag(.renameColumn, on: table) { _ in
                "RENAME COLUMN \"\(old)\" TO \"\(newName)\" on \(table) breaks the app version still running during the "
                    + "deploy, which reads \"\(old)\". Add the new column, write both, backfill, move the readers, then "
                    + "drop the old one in a later release."
            }
        case "OBJECT_TABLE":
            analysis.command = "ALTER TABLE RENAME"
            analysis.lock(.accessExclusive, table)
            guard let table, !state.isNew(table) else { return }
            analysis.flag(.renameTable, on: table) { _ in
                "RENAME \(table) TO \"\(newName)\" breaks the app version still running during the deploy. Create the "
                    + "new table (or a view named after the old one) and move readers and writers first."
            }
        case "OBJECT_INDEX":
            analysis.command = "ALTER INDEX RENAME"
            if let table { analysis.locks.append((.shareUpdateExclusive, "index \(table)", nil)) }
        default:
            analysis.command = "RENAME " + Self.words(String(kind.dropFirst("OBJECT_".count)).lowercased())
            if kind == "OBJECT_TABCONSTRAINT" { analysis.lock(.accessExclusive, table) }
        }
    }

    // MARK: Helpers

    /// A type as written, lowercase, without `pg_catalog.`: `varchar(20)`, `text`, `int4`.
    static func typeText(_ typeName: JSON?) -> String {
        guard let typeName else { return "?" }
        var names = typeName.names("names")
        if names.first == "pg_catalog" { names.removeFirst() }
        let modifiers = (typeName["typmods"]?.array ?? []).compactMap { modifier -> String? in
            guard let constant = modifier["A_Const"] else { return nil }
            return String(constant["ival"]?["ival"]?.integer ?? 0)
        }
        let base = names.joined(separator: ".").lowercased()
        let array = typeName["arrayBounds"] != nil ? "[]" : ""
        return modifiers.isEmpty ? base + array : "\(base)(\(modifiers.joined(separator: ",")))\(array)"
    }

    /// `SET x = 0`, `= '0'`, `= '0s'`, `= '0ms'`.
    static func isZero(_ arguments: JSON?) -> Bool {
        guard let value = arguments?.array?.first?["A_Const"] else { return false }
        if let integer = value["ival"] { return (integer["ival"]?.integer ?? 0) == 0 }
        if let text = value["sval"]?["sval"]?.string {
            let digits = text.prefix { $0.isNumber }
            return !digits.isEmpty && Int(digits) == 0
        }
        return false
    }

    /// `AT_SetNotNull` → `SET NOT NULL`, `AlterSeq` → `ALTER SEQ`, `materialized_view` → `MATERIALIZED VIEW`.
    static func words(_ name: String) -> String {
        var out = ""
        var previousLower = false
        for character in name {
            if character == "_" {
                out += " "
                previousLower = false
                continue
            }
            if character.isUppercase && previousLower { out += " " }
            out.append(character)
            previousLower = character.isLowercase || character.isNumber
        }
        return out.uppercased()
    }
}

import PrestartSystem

/// ALTER TABLE: each subcommand's lock (the statement takes the strongest) and rules.
extension Linter {
    func alterTable(_ node: JSON, into analysis: inout Analysis, state: inout UnitState, memory: inout LintMemory) {
        let objectType = node.text("objtype") ?? "OBJECT_TABLE"
        guard let table = node.rangeVar("relation") else { return }
        let isNew = state.isNew(table)
        var commands: [String] = []
        var level = LockLevel.accessShare
        var extra: [(LockLevel, TableName)] = []
        for command in (node["cmds"]?.array ?? []).compactMap({ $0["AlterTableCmd"] }) {
            let subtype = command.text("subtype") ?? ""
            let column = command.text("name") ?? "?"
            var words = Self.words(String(subtype.dropFirst("AT_".count)))
            var commandLevel = LockLevel.accessExclusive
            switch subtype {
            case "AT_AddColumn":
                words = "ADD COLUMN"
                if let definition = command["def"]?["ColumnDef"] {
                    addColumn(definition, table: table, isNew: isNew, into: &analysis, memory: &memory)
                }
            case "AT_AlterColumnType":
                words = "ALTER COLUMN TYPE"
                if let definition = command["def"]?["ColumnDef"], !isNew {
                    changeType(definition, column: column, table: table, into: &analysis, memory: &memory)
                } else if let definition = command["def"]?["ColumnDef"] {
                    memory.columnTypes["\(table.name).\(column)"] = Self.typeText(definition["typeName"])
                }
            case "AT_SetNotNull":
                if !isNew && !(serverVersion >= 120000 && memory.provenNotNull.contains("\(table.name).\(column)")) {
                    analysis.flag(.setNotNull, on: table) { size in
                        "SET NOT NULL on \(table).\"\(column)\"\(size) scans the whole table under ACCESS EXCLUSIVE lock: "
                            + "reads and writes wait. Add CHECK (\"\(column)\" IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT "
                            + "in a later transaction, then SET NOT NULL (12+ uses the check and skips the scan) and drop "
                            + "the check."
                    }
                }
            case "AT_DropColumn":
                if !isNew {
                    analysis.flag(.dropColumn, on: table) { _ in
                        "DROP COLUMN \"\(column)\" from \(table): the app version still running may read it, and its data "
                            + "is gone. Stop using the column in code (and deploy that) first, then drop it."
                    }
                }
            case "AT_AddConstraint":
                if let constraint = command["def"]?["Constraint"] {
                    let (constraintWords, constraintLevel) = addConstraint(
                        constraint, table: table, isNew: isNew, into: &analysis, state: &state, memory: &memory)
                    words = constraintWords
                    commandLevel = constraintLevel
                    if let referenced = constraint.rangeVar("pktable") { extra.append((constraintLevel, referenced)) }
                }
            case "AT_ValidateConstraint":
                commandLevel = .shareUpdateExclusive
                let name = command.text("name") ?? "?"
                if let proven = memory.notNullChecks[name] { memory.provenNotNull.insert(proven) }
                if state.transactional && state.addedNotValid.contains(name) {
                    analysis.flag(.constraintNotValid, on: table) { _ in
                        "VALIDATE CONSTRAINT \"\(name)\" runs in the same transaction as its ADD … NOT VALID, so the "
                            + "ADD's lock is held for the whole validation. VALIDATE in a later file (its lock, SHARE "
                            + "UPDATE EXCLUSIVE, lets reads and writes go on)."
                    }
                }
            case "AT_SetStatistics", "AT_ClusterOn", "AT_DropCluster", "AT_SetOptions", "AT_ResetOptions",
                "AT_SetRelOptions", "AT_ResetRelOptions", "AT_AttachPartition":
                commandLevel = .shareUpdateExclusive
            case "AT_DetachPartition":
                let concurrent = command["def"]?["PartitionCmd"]?.flag("concurrent") ?? false
                commandLevel = concurrent ? .shareUpdateExclusive : .accessExclusive
            case "AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_DisableTrig", "AT_EnableTrigAll",
                "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser", "AT_AddIndexConstraint":
                commandLevel = subtype == "AT_AddIndexConstraint" ? .accessExclusive : .shareRowExclusive
            case "AT_ColumnDefault":
                words = command["def"] == nil ? "DROP DEFAULT" : "SET DEFAULT"
            default:
                break
            }
            commands.append(words)
            level = max(level, commandLevel)
        }
        let noun = objectType == "OBJECT_INDEX" ? "ALTER INDEX" : objectType == "OBJECT_VIEW" ? "ALTER VIEW" : "ALTER TABLE"
        analysis.command = ([noun] + Self.unique(commands)).joined(separator: " ")
        analysis.lock(level, table)
        for (lockLevel, other) in extra { analysis.lock(lockLevel, other) }
    }

    private func addColumn(
        _ definition: JSON, table: TableName, isNew: Bool, into analysis: inout Analysis, memory: inout LintMemory
    ) {
        let column = definition.text("colname") ?? "?"
        let type = Self.typeText(definition["typeName"])
        memory.columnTypes["\(table.name).\(column)"] = type
        guard !isNew else { return }
        let constraints = (definition["constraints"]?.array ?? []).compactMap { $0["Constraint"] }
        let defaultExpression = constraints.first { $0.text("contype") == "CONSTR_DEFAULT" }?["raw_expr"]
        let hasDefault = defaultExpression != nil && defaultExpression?["A_Const"]?.flag("isnull") != true
        let notNull = constraints.contains { $0.text("contype") == "CONSTR_NOTNULL" }
        let identity = constraints.contains { $0.text("contype") == "CONSTR_IDENTITY" }
        let generated = constraints.first { $0.text("contype") == "CONSTR_GENERATED" }
        let serial = ["serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"].contains(type)

        if generated != nil {
            analysis.flag(.storedGeneratedColumn, on: table) { size in
                "ADD COLUMN \"\(column)\" GENERATED ALWAYS AS … STORED computes it for every row: \(table)\(size) is "
                    + "rewritten under ACCESS EXCLUSIVE lock, reads and writes wait. Add a plain column filled by a "
                    + "trigger, and backfill it in batches."
            }
        } else if serial || identity {
            let what = serial ? type : "an identity"
            analysis.flag(.volatileDefault, on: table) { size in
                "ADD COLUMN \"\(column)\" as \(what) column fills it from a sequence row by row: \(table)\(size) is "
                    + "rewritten under ACCESS EXCLUSIVE lock, reads and writes wait. Add a nullable column, backfill "
                    + "it in batches, then set its default to nextval()."
            }
        } else if let defaultExpression, hasDefault {
            var unknown: [String] = []
            let volatility = Volatility.of(defaultExpression, catalog: catalog?.functionVolatility, unknown: &unknown)
            let version = serverVersion
            if version < 110000 || volatility == .volatile {
                let why = version < 110000
                    ? "with a DEFAULT on PostgreSQL \(LintOptions.versionText(version)) (before 11 every default)"
                    : unknown.isEmpty ? "with a volatile DEFAULT" : "with a DEFAULT calling \(unknown.joined(separator: ", ")) "
                        + "(not a built-in known to be non-volatile; `plan` asks the server)"
                analysis.flag(.volatileDefault, on: table) { size in
                    "ADD COLUMN \"\(column)\" \(why) rewrites \(table)\(size) under ACCESS EXCLUSIVE lock: reads and "
                        + "writes wait. Add the column without a default, then SET DEFAULT, and backfill in batches."
                }
            }
        }
        if notNull && !hasDefault && generated == nil && !identity && !serial {
            analysis.flag(.addRequiredColumn, on: table) { size in
                "ADD COLUMN \"\(column)\" NOT NULL without a DEFAULT fails on \(table)\(size) as soon as it has a row, "
                    + "and breaks writers that do not set it. Add it nullable (or with a non-volatile DEFAULT), "
                    + "backfill, then make it NOT NULL through a CHECK … NOT VALID."
            }
        }
        for constraint in constraints {
            switch constraint.text("contype") {
            case "CONSTR_PRIMARY":
                flagIndexConstraint(.addPrimaryKey, "PRIMARY KEY", table: table, into: &analysis)
            case "CONSTR_UNIQUE":
                flagIndexConstraint(.addUniqueConstraint, "UNIQUE", table: table, into: &analysis)
            case "CONSTR_FOREIGN" where !constraint.flag("skip_validation"):
                let referenced = constraint.rangeVar("pktable")
                if let referenced { analysis.lock(.shareRowExclusive, referenced) }
                flagForeignKey(table: table, referenced: referenced, into: &analysis)
            default:
                break
            }
        }
    }

    private func changeType(
        _ definition: JSON, column: String, table: TableName, into analysis: inout Analysis, memory: inout LintMemory
    ) {
        let key = "\(table.name).\(column)"
        let newType = Self.typeText(definition["typeName"])
        let oldType = catalog?.table(table)?.columns[column].map(Self.normalizedCatalogType) ?? memory.columnTypes[key]
        memory.columnTypes[key] = newType
        let using = definition["raw_default"] != nil
        if !using && Self.isBinaryCoercible(from: oldType, to: newType) { return }
        let from = oldType.map { " from \($0)" } ?? ""
        analysis.flag(.changeColumnType, on: table) { size in
            "ALTER COLUMN \"\(column)\" TYPE \(newType)\(from) rewrites \(table)\(size) and its indexes under ACCESS "
                + "EXCLUSIVE lock: reads and writes wait. Add a new column, write both, backfill in batches, then "
                + "switch; only binary-coercible changes (varchar → text, a longer varchar) are free."
        }
    }

    /// varchar → text, varchar(n) → varchar(m ≥ n) or unlimited, text → varchar (no limit). Offline, with the old
    /// type unknown, a change to text or varchar is taken to be one of these.
    static func isBinaryCoercible(from oldType: String?, to newType: String) -> Bool {
        func limit(_ type: String) -> (base: String, limit: Int?)? {
            let base = type.prefix { $0 != "(" }
            let name = base == "character varying" ? "varchar" : String(base)
            guard name == "varchar" || name == "text" else { return nil }
            let digits = type.dropFirst(base.count).filter(\.isNumber)
            return (name, digits.isEmpty ? nil : Int(digits))
        }
        guard let new = limit(newType) else { return false }
        guard let oldType else { return true }
        guard let old = limit(oldType) else { return false }
        if new.base == "text" || new.limit == nil { return true }
        guard let oldLimit = old.limit, old.base == "varchar", let newLimit = new.limit else { return false }
        return newLimit >= oldLimit
    }

    /// `character varying(20)` → `varchar(20)`, `integer` → `int4`.
    static func normalizedCatalogType(_ type: String) -> String {
        if type.hasPrefix("character varying") { return "varchar" + type.dropFirst("character varying".count) }
        switch type {
        case "integer": return "int4"
        case "bigint": return "int8"
        case "smallint": return "int2"
        default: return type
        }
    }

    /// Returns the subcommand's words and lock.
    private func addConstraint(
        _ constraint: JSON, table: TableName, isNew: Bool, into analysis: inout Analysis, state: inout UnitState,
        memory: inout LintMemory
    ) -> (String, LockLevel) {
        let kind = constraint.text("contype") ?? ""
        let name = constraint.text("conname")
        let notValid = constraint.flag("skip_validation")
        if notValid, let name { state.addedNotValid.insert(name) }
        switch kind {
        case "CONSTR_FOREIGN":
            if !isNew && !notValid { flagForeignKey(table: table, referenced: constraint.rangeVar("pktable"), into: &analysis) }
            return ("ADD FOREIGN KEY", .shareRowExclusive)
        case "CONSTR_CHECK":
            // CHECK (c IS NOT NULL): once validated, SET NOT NULL on 12+ skips its scan.
            if let test = constraint["raw_expr"]?["NullTest"], test.text("nulltesttype") == "IS_NOT_NULL",
                let column = test["arg"]?["ColumnRef"]?.names("fields").last
            {
                let key = "\(table.name).\(column)"
                if let name { memory.notNullChecks[name] = key }
                if !notValid { memory.provenNotNull.insert(key) }
            }
            if !isNew && !notValid {
                analysis.flag(.constraintNotValid, on: table) { size in
                    "ADD CHECK on \(table)\(size) checks every row under ACCESS EXCLUSIVE lock: reads and writes wait. "
                        + "Add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE EXCLUSIVE)."
                }
            }
            return ("ADD CHECK", .accessExclusive)
        case "CONSTR_PRIMARY", "CONSTR_UNIQUE":
            let primary = kind == "CONSTR_PRIMARY"
            let usingIndex = constraint.text("indexname") != nil
            if !isNew && !usingIndex {
                flagIndexConstraint(primary ? .addPrimaryKey : .addUniqueConstraint, primary ? "PRIMARY KEY" : "UNIQUE",
                                    table: table, into: &analysis)
            }
            return (primary ? "ADD PRIMARY KEY" : "ADD UNIQUE", .accessExclusive)
        case "CONSTR_EXCLUSION":
            return ("ADD EXCLUDE", .accessExclusive)
        default:
            return ("ADD CONSTRAINT", .accessExclusive)
        }
    }

    private func flagForeignKey(table: TableName, referenced: TableName?, into analysis: inout Analysis) {
        let both = referenced.map { "\(table) and \($0)" } ?? "\(table)"
        analysis.flag(.constraintNotValid, on: table) { size in
            "ADD FOREIGN KEY on \(table)\(size) checks every row while holding SHARE ROW EXCLUSIVE on \(both): writes "
                + "to both wait. Add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction (SHARE UPDATE "
                + "EXCLUSIVE)."
        }
    }

    private func flagIndexConstraint(_ rule: LintRule, _ what: String, table: TableName, into analysis: inout Analysis) {
        analysis.flag(rule, on: table) { size in
            "ADD \(what) on \(table)\(size) builds its index under ACCESS EXCLUSIVE lock: reads and writes wait for "
                + "the whole build. Build it first with CREATE UNIQUE INDEX CONCURRENTLY (in a file that starts with "
                + "-- prestart:no-transaction), then ADD CONSTRAINT … \(what) USING INDEX."
        }
    }

    static func unique(_ words: [String]) -> [String] {
        var seen = Set<String>()
        return words.filter { seen.insert($0).inserted }
    }
}

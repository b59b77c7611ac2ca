/// `flyway_schema_history` read as Flyway reads it (`MigrationInfoImpl`, `CoreMigrationType`): the successful rows
/// in rank order, a `DELETE` row (from `repair`) undoing the version's earlier row, a `BASELINE` or `SQL_BASELINE`
/// row meaning every version at or below it is applied, and for a repeatable its latest row.
struct FlywayHistory: Sendable, Equatable {
    struct Row: Sendable, Equatable {
        var version: String
        var description: String
        var type: String
        var script: String
        var checksum: String?
    }

    /// Applied versions, normalized (`1.0` is `1`).
    var applied: [[String]: Row] = [:]
    var baseline: [String]?
    /// Each repeatable's latest checksum, by description.
    var repeatables: [String: String?] = [:]
    /// Rows with `success = false`.
    var failed: [Row] = []

    init(rows: [[String?]]) {
        for row in rows {
            let entry = Row(
                version: row[0] ?? "", description: row[1] ?? "", type: row[2] ?? "", script: row[3] ?? "",
                checksum: row[4])
            guard row[5] == "t" else {
                failed.append(entry)
                continue
            }
            guard let version = row[0] else {
                if entry.type != "DELETE" { repeatables[entry.description] = entry.checksum }
                continue
            }
            guard let normalized = FlywayFolder.normalizedVersion(version) else { continue }
            switch entry.type {
            case "DELETE": applied[normalized] = nil
            case "BASELINE", "SQL_BASELINE", "JDBC_BASELINE": baseline = normalized
            case "SCHEMA", "UNDO_SQL", "UNDO_JDBC", "UNDO_SCRIPT": break
            default: applied[normalized] = entry
            }
        }
    }

    /// The migrations Flyway counts as applied. Refuses a failed row, a SQL row whose file is missing, and a file
    /// whose checksum is not the recorded one. A Java migration (a `JDBC` row, no file) is returned as an external unit
    /// named after its row.
    func applied(of migrations: [ToolMigration], tool: ToolLedger) throws(AdoptionError) -> [ToolMigration] {
        if let row = failed.first {
            throw .failedRow(tool: tool, version: row.version.isEmpty ? row.description : row.version, file: row.script)
        }
        var result: [ToolMigration] = []
        var seen: Set<[String]> = []
        for migration in migrations {
            if migration.isRepeatable {
                // A repeatable is applied while its latest checksum is the file's; else it runs again.
                if let recorded = repeatables[migration.description], recorded == migration.toolChecksum {
                    result.append(migration)
                }
                continue
            }
            guard let version = FlywayFolder.normalizedVersion(migration.version) else { continue }
            if let row = applied[version] {
                seen.insert(version)
                if row.type == "SQL", let recorded = row.checksum, recorded != migration.toolChecksum {
                    throw .checksumMismatch(
                        tool: tool, file: migration.fileName, recorded: recorded, current: migration.toolChecksum ?? "-")
                }
                result.append(migration)
            } else if let baseline, !FlywayFolder.compare(baseline, version) {
                result.append(migration)
            }
        }
        for (version, row) in applied.sorted(by: { FlywayFolder.compare($0.key, $1.key) }) where !seen.contains(version) {
            guard row.type.hasSuffix("JDBC") else {
                throw .missingFile(tool: tool, version: row.version)
            }
            result.append(
                ToolMigration(
                    version: row.version, fileName: "V\(row.version)__\(row.description) (Java)", parts: [],
                    singleTransaction: false, isExternal: true))
        }
        return result
    }
}

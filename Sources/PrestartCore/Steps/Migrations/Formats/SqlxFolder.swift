import PrestartSystem

/// sqlx's folder (`sqlx-core/src/migrate/source.rs`, `migration.rs`): `VERSION_DESCRIPTION.sql`, or reversible
/// `.up.sql` / `.down.sql`, split at the first `_`, the version an i64; the whole file sent in one simple-query
/// string, in a transaction with its row unless the file starts with `-- no-transaction`. Its SHA-384 is what sqlx
/// records.
enum SqlxFolder {
    static func read(
        _ names: [String], read: (String) throws -> [UInt8]
    ) throws(FormatError) -> ToolFolder {
        var ignored: [String] = []
        var migrations: [ToolMigration] = []
        var byVersion: [Int64: String] = [:]
        var found: [(version: Int64, name: String, description: String)] = []
        for name in names.sorted() {
            guard let separator = name.firstIndex(of: "_"), name[name.index(after: separator)...].hasSuffix(".sql")
            else {
                ignored.append(name)
                continue
            }
            guard let version = Int64(name[..<separator]) else {
                throw FormatError(
                    file: name, "sqlx refuses a file named VERSION_DESCRIPTION.sql whose VERSION is not a number: rename or move it")
            }
            let rest = name[name.index(after: separator)...]
            if rest.hasSuffix(".down.sql") { continue }
            let suffix = rest.hasSuffix(".up.sql") ? ".up.sql" : ".sql"
            if let other = byVersion[version] {
                throw FormatError(file: name, "has the same version (\(version)) as \(other); sqlx would refuse it: renumber one")
            }
            byVersion[version] = name
            found.append((version, name, String(rest.dropLast(suffix.count)).replacing("_", with: " ")))
        }
        for (version, name, description) in found.sorted(by: { $0.version < $1.version }) {
            let text = try ToolFolder.text(of: name, read: read)
            let transactional = !text.hasPrefix("-- no-transaction")
            let part = ToolMigration.Part(
                sql: text, mode: transactional ? .transaction : .noTransaction,
                firstLine: 1)
            var migration = ToolMigration(
                version: String(version), fileName: name, parts: [part], singleTransaction: transactional)
            migration.description = description
            migration.toolChecksum = Checksum.sha384(Array(text.utf8))
            migrations.append(migration)
        }
        return ToolFolder(migrations: migrations, ignored: ignored)
    }
}

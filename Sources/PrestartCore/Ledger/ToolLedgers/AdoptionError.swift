import PrestartDatabase
import PrestartSystem

/// Why another tool's ledger cannot be adopted, or kept: nothing was imported, and the message says what to fix.
enum AdoptionError: Error, Sendable, CustomStringConvertible {
    /// golang-migrate left its row dirty: a migration failed half-way.
    case dirty(tool: ToolLedger, version: String)
    /// The tool's ledger records a version no file in the folder has.
    case missingFile(tool: ToolLedger, version: String)
    /// The table has another tool's columns.
    case wrongShape(tool: ToolLedger, columns: String, expected: String)
    /// A pending version below the highest applied one, which the tool would not run.
    case outOfOrder(file: String, version: String, highest: String, tool: ToolLedger)
    /// sqlx: a row with `success = false`, which sqlx treats as a dirty database.
    case failedRow(tool: ToolLedger, version: String, file: String?)
    /// An applied file no longer hashes to what the tool recorded.
    case checksumMismatch(tool: ToolLedger, file: String, recorded: String, current: String)
    /// Another session held the tool's own lock for longer than the lock timeout.
    case lockTimeout(tool: ToolLedger, waited: Duration)
    case database(DatabaseError)

    var description: String {
        switch self {
        case .dirty(let tool, let version):
            return """
                \(tool.title) is dirty at version \(version): a migration failed half-way under \
                \(tool.format.rawValue). Nothing was adopted. Check what version \(version) changed, fix the database, \
                then run `migrate force \(version)` (or the version before it) and start prestart again.
                """
        case .missingFile(let tool, let version):
            return """
                \(tool.title) records version \(version) as applied, but no file in the folder has that version. \
                Nothing was adopted. Restore the file, or point `dir` at the folder \(tool.format.rawValue) used.
                """
        case .wrongShape(let tool, let columns, let expected):
            return """
                \(tool.table) has the columns (\(columns)), not \(tool.format.rawValue)'s (\(expected)): it belongs \
                to another tool. Nothing was adopted. Set `format` to the tool that wrote it, or `table` to \
                \(tool.format.rawValue)'s table.
                """
        case .outOfOrder(let file, let version, let highest, let tool):
            let would =
                tool.format == .golangMigrate
                ? "golang-migrate would silently never run it" : "\(tool.format.rawValue) would refuse it"
            return """
                \(file) (version \(version)) is pending, but version \(highest) is already applied: \(would). \
                Renumber it above \(highest), or set out-of-order = "apply" on the step to run it anyway.
                """
        case .failedRow(let tool, let version, let file):
            return """
                \(tool.title) records version \(version)\(file.map { " (\($0))" } ?? "") as failed: it ran outside a \
                transaction and may have changed data half-way. Nothing was adopted. Check the data, then delete that \
                row (or fix it as \(tool.format.rawValue) would) and start prestart again.
                """
        case .checksumMismatch(let tool, let file, let recorded, let current):
            return """
                \(file) was applied by \(tool.format.rawValue) with checksum \(recorded), but the file now has \(current): \
                an applied migration must not change. Nothing was adopted. Restore the file as it was applied.
                """
        case .lockTimeout(let tool, let waited):
            return "gave up waiting for \(tool.format.rawValue)'s own lock on \(tool.table) after "
                + "\(DurationText.format(waited)): an old \(tool.format.rawValue) is migrating; try again"
        case .database(let error):
            return "\(error)"
        }
    }
}

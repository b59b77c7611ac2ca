/// The migration `prestart schema-diff STEP` writes: the SQL for every difference `up` does not apply itself, for a
/// developer to review and save as the next file of the migrations folder.
public struct SchemaMigration: Sendable, Equatable {
    /// The changes the file does, in the order they were found.
    public var changes: [SchemaChange]
    /// The schema file, as the user knows it.
    public var file: String

    /// Whether the file needs statements in transactions of their own (a `VALIDATE` after its `NOT VALID`, an index
    /// built concurrently, SQLite's rebuild with foreign keys off): it then starts with `-- prestart:no-transaction`.
    public var needsOwnTransactions: Bool {
        statements.contains {
            $0.contains(" CONCURRENTLY ") || $0.contains(" VALIDATE CONSTRAINT ") || $0.hasPrefix("PRAGMA foreign_keys")
        }
    }

    private var statements: [String] {
        changes.flatMap { $0.migration.filter { !$0.hasPrefix("--") } }
    }

    /// The file's text; empty when nothing is left for a migration.
    public var text: String {
        guard !changes.isEmpty else { return "" }
        var lines: [String] = []
        if needsOwnTransactions {
            lines += [
                "-- prestart:no-transaction",
                "-- Its statements commit one by one (a VALIDATE must not hold the lock its NOT VALID took, SQLite turns",
                "-- foreign keys off only outside a transaction). If one fails, later starts stop until you check what",
                "-- was done and run `prestart resolve` on this file.",
            ]
        }
        lines.append("-- What \(file) declares and the database does not have, and `up` does not apply by itself.")
        var written: [[String]] = []
        for change in changes {
            lines += ["", "-- \(change.drift)"]
            if case .unsafe(let reason, _) = change.remedy { lines.append("-- Not applied at start: \(reason).") }
            // Two changes of one SQLite table need one rebuild.
            if written.contains(change.migration) {
                lines.append("-- The same statements above do this too.")
                continue
            }
            written.append(change.migration)
            lines += change.migration
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension SchemaChange {
    /// Its statements as a migration file writes them: a safe change's own (`up` with `drift = "apply"` would run
    /// them), an unsafe one's expand/contract steps.
    var migration: [String] {
        switch remedy {
        case .safe(let statements): statements.map { $0.sql + ";" }
        case .unsafe(_, let migration): migration
        }
    }
}

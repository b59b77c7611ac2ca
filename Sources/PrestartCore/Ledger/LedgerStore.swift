/// The SQL of `prestart_ledger`, for both databases. Every function takes the connection to use, so a
/// transactional unit's row is written in the unit's own transaction.
enum LedgerStore {
    static let schemaVersion = 1

    /// Creates the tables when missing and checks the schema version. Run it under the ledger lock: two
    /// concurrent `CREATE TABLE IF NOT EXISTS` can still collide on PostgreSQL.
    static func prepare(_ connection: any DatabaseConnection) throws(LedgerError) {
        let postgres = connection.dialect == .postgres
        let timestamp = postgres ? "timestamptz" : "TEXT"
        let boolean = postgres ? "boolean" : "INTEGER"
        let version: Int?
        do throws(DatabaseError) {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS prestart_ledger (
                    name text PRIMARY KEY,
                    step text NOT NULL,
                    checksum text,
                    status text NOT NULL CHECK (status IN ('running', 'applied', 'failed')),
                    transactional \(boolean) NOT NULL,
                    started_at \(timestamp) NOT NULL,
                    finished_at \(timestamp),
                    duration_ms bigint,
                    host text NOT NULL,
                    pid integer NOT NULL,
                    prestart_version text NOT NULL,
                    error text
                )
                """)
            try connection.execute("CREATE TABLE IF NOT EXISTS prestart_ledger_version (version integer NOT NULL)")
            version = (try connection.query("SELECT max(version) FROM prestart_ledger_version").first?.first ?? nil)
                .flatMap { Int($0) }
            if version == nil {
                try connection.execute("INSERT INTO prestart_ledger_version (version) VALUES (\(schemaVersion))")
            }
        } catch {
            throw .database(error)
        }
        if let version, version > schemaVersion { throw .newerSchema(version: version) }
    }

    /// Every row, or none when the table does not exist yet (read-only: `plan` and `status` create nothing).
    static func entries(_ connection: any DatabaseConnection) throws(DatabaseError) -> [LedgerEntry] {
        let postgres = connection.dialect == .postgres
        let exists =
            postgres
            ? "SELECT to_regclass('prestart_ledger') IS NOT NULL"
            : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'prestart_ledger'"
        guard let flag = try connection.query(exists).first?.first ?? nil, flag == "t" || flag == "1" else {
            return []
        }
        func time(_ column: String) -> String {
            postgres ? "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')" : column
        }
        let rows = try connection.query(
            """
            SELECT name, step, checksum, status, transactional, \(time("started_at")), \(time("finished_at")),
                   duration_ms, host, pid, prestart_version, error
            FROM prestart_ledger ORDER BY started_at, name
            """)
        return rows.map { row in
            LedgerEntry(
                name: row[0] ?? "", step: row[1] ?? "", checksum: row[2],
                status: LedgerEntry.Status(rawValue: row[3] ?? "") ?? .failed,
                transactional: row[4] == "t" || row[4] == "1", startedAt: row[5] ?? "", finishedAt: row[6],
                durationMilliseconds: row[7].flatMap { Int64($0) }, host: row[8] ?? "", pid: Int32(row[9] ?? "") ?? 0,
                prestartVersion: row[10] ?? "", error: row[11])
        }
    }

    static func upsert(_ entry: LedgerEntry, _ connection: any DatabaseConnection) throws(DatabaseError) {
        let postgres = connection.dialect == .postgres
        let placeholders = (1...12).map { postgres ? "$\($0)" : "?\($0)" }
        let transactional = postgres ? (entry.transactional ? "true" : "false") : (entry.transactional ? "1" : "0")
        try connection.execute(
            """
            INSERT INTO prestart_ledger (name, step, checksum, status, transactional, started_at, finished_at,
                                         duration_ms, host, pid, prestart_version, error)
            VALUES (\(placeholders.joined(separator: ", ")))
            ON CONFLICT (name) DO UPDATE SET
                step = excluded.step, checksum = excluded.checksum, status = excluded.status,
                transactional = excluded.transactional, started_at = excluded.started_at,
                finished_at = excluded.finished_at, duration_ms = excluded.duration_ms, host = excluded.host,
                pid = excluded.pid, prestart_version = excluded.prestart_version, error = excluded.error
            """,
            [
                entry.name, entry.step, entry.checksum, entry.status.rawValue, transactional, entry.startedAt,
                entry.finishedAt, entry.durationMilliseconds.map(String.init), entry.host, String(entry.pid),
                entry.prestartVersion, entry.error,
            ])
    }

    static func delete(_ name: String, _ connection: any DatabaseConnection) throws(DatabaseError) {
        let placeholder = connection.dialect == .postgres ? "$1" : "?1"
        try connection.execute("DELETE FROM prestart_ledger WHERE name = \(placeholder)", [name])
    }
}

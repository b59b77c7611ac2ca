import PrestartDatabase
import PrestartSystem

/// The SQL of `prestart_ledger`, for both databases. Every function takes the connection to use, so a
/// transactional unit's row is written in the unit's own transaction.
enum LedgerStore {
    static let schemaVersion = 1

    /// Creates the tables when missing and checks the schema version. Run it under the ledger lock: two
    /// concurrent `CREATE TABLE IF NOT EXISTS` can still collide on PostgreSQL.
    static func prepare(_ connection: any DatabaseConnection) throws(LedgerError) {
        let postgres = connection.dialect == .postgres
        let version: Int?
        do throws(DatabaseError) {
            // Usually both exist: one query instead of two CREATE TABLE IF NOT EXISTS.
            let existing =
                postgres
                ? """
                SELECT count(*) FROM (VALUES (to_regclass('prestart_ledger')), (to_regclass('prestart_ledger_version'))) t(c)
                 WHERE c IS NOT NULL
                """
                : """
                SELECT count(*) FROM sqlite_master
                 WHERE type = 'table' AND name IN ('prestart_ledger', 'prestart_ledger_version')
                """
            if try connection.query(existing).first?.first != "2" { try create(connection, postgres: postgres) }
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

    private static func create(_ connection: any DatabaseConnection, postgres: Bool) throws(DatabaseError) {
        let timestamp = postgres ? "timestamptz" : "TEXT"
        let boolean = postgres ? "boolean" : "INTEGER"
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
        let statement = upsertStatement(entry, dialect: connection.dialect)
        try connection.execute(statement.sql, statement.parameters)
    }

    /// The row as one statement. With `finishedNow`, the database fills in `finished_at` and `duration_ms`
    /// when the statement runs: for an applied row written in the unit's own transaction, after its SQL.
    static func upsertStatement(
        _ entry: LedgerEntry, dialect: SQLDialect, finishedNow: Bool = false
    ) -> (sql: String, parameters: [String?]) {
        let postgres = dialect == .postgres
        let transactional = postgres ? (entry.transactional ? "true" : "false") : (entry.transactional ? "1" : "0")
        var columns: [(name: String, value: String?)] = [
            ("name", entry.name), ("step", entry.step), ("checksum", entry.checksum), ("status", entry.status.rawValue),
            ("transactional", transactional), ("started_at", entry.startedAt), ("host", entry.host),
            ("pid", String(entry.pid)), ("prestart_version", entry.prestartVersion), ("error", entry.error),
        ]
        if !finishedNow {
            columns += [("finished_at", entry.finishedAt), ("duration_ms", entry.durationMilliseconds.map(String.init))]
        }
        var values = columns.indices.map { postgres ? "$\($0 + 1)" : "?\($0 + 1)" }
        var names = columns.map(\.name)
        if finishedNow {
            let started = postgres ? "$6::timestamptz" : "?6"
            names += ["finished_at", "duration_ms"]
            values +=
                postgres
                ? ["clock_timestamp()", "round(extract(epoch FROM clock_timestamp() - \(started)) * 1000)::bigint"]
                : [
                    "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
                    "CAST(round((julianday('now') - julianday(\(started))) * 86400000) AS INTEGER)",
                ]
        }
        let updates = names.dropFirst().map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let sql = """
            INSERT INTO prestart_ledger (\(names.joined(separator: ", ")))
            VALUES (\(values.joined(separator: ", ")))
            ON CONFLICT (name) DO UPDATE SET \(updates)
            """
        return (sql, columns.map(\.value))
    }

    static func delete(_ name: String, _ connection: any DatabaseConnection) throws(DatabaseError) {
        let placeholder = connection.dialect == .postgres ? "$1" : "?1"
        try connection.execute("DELETE FROM prestart_ledger WHERE name = \(placeholder)", [name])
    }
}

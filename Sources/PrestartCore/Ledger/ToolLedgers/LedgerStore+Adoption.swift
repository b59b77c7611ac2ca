import Glibc
import PrestartDatabase
import PrestartSystem

extension LedgerStore {
    /// One unit to import: its name, its file's SHA-256 now, and whether it runs in one transaction with its row.
    struct AdoptedUnit: Sendable {
        var name: String
        /// Nil for an external unit (a goose `.go` file): never run, never checksummed.
        var checksum: String?
        var transactional: Bool
        /// The tool's table it came from, as `status` shows it.
        var adopted: String
    }

    /// Whether `step` has any row: adoption happens only on a step's first run.
    static func hasRows(step: String, _ connection: any DatabaseConnection) throws(DatabaseError) -> Bool {
        try connection.query("SELECT EXISTS (SELECT 1 FROM prestart_ledger WHERE step = $1)", [step]).first?.first == "t"
    }

    /// Every unit as an `applied` row marked `adopted`, in one statement (a thousand rows are one round trip).
    /// PostgreSQL only: the tools' formats are.
    static func adoptStatement(_ units: [AdoptedUnit], step: String) -> (sql: String, parameters: [String?]) {
        let records = JSON.array(
            units.map { unit in
                .object([
                    ("name", .string(unit.name)), ("checksum", unit.checksum.map(JSON.string) ?? .null),
                    ("transactional", .bool(unit.transactional)), ("adopted", .string(unit.adopted)),
                ])
            })
        let sql = """
            INSERT INTO prestart_ledger (name, step, checksum, status, transactional, started_at, finished_at,
                                         duration_ms, host, pid, prestart_version, adopted)
            SELECT r.name, $1, r.checksum, 'applied', r.transactional, now(), now(), 0, $2, $3::integer, $4, r.adopted
            FROM json_to_recordset($5::json) AS r(name text, checksum text, transactional boolean, adopted text)
            """
        return (
            sql,
            [step, ConnectionPool.hostName, String(getpid()), PrestartVersion.current, records.serialized()]
        )
    }
}

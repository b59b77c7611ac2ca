import PrestartDatabase
import PrestartSystem

/// Another migration tool's ledger table, as that tool writes it: how prestart reads it to adopt it, the rows it
/// writes to keep it true while the format is set (the mirror), the table it creates when missing, and the tool's
/// own advisory lock. Each shape follows the tool's own source: golang-migrate's `database/postgres/postgres.go`,
/// dbmate's `pkg/driver/postgres/postgres.go`, goose's `internal/dialects/postgres.go`, Flyway's
/// `PostgreSQLDatabase.getRawCreateScript` and sqlx's `sqlx-postgres/src/migrate.rs`.
struct ToolLedger: Sendable {
    let format: MigrationFormat
    /// As configured: `schema_migrations` or `app.schema_migrations`.
    let table: String
    /// The schema named in `table`, if any; else the session's `current_schema()`.
    let schema: String?
    let name: String

    init(format: MigrationFormat, table: String) {
        self.format = format
        self.table = table
        let parts = table.split(separator: ".", maxSplits: 1).map(String.init)
        schema = parts.count == 2 ? parts[0] : nil
        name = parts.last ?? table
    }

    /// The table as SQL: `"app"."schema_migrations"`, or `"schema_migrations"` found through the search path.
    var quoted: String {
        (schema.map { Self.quote($0) + "." } ?? "") + Self.quote(name)
    }

    /// `golang-migrate's schema_migrations`: how log lines and errors name it.
    var title: String { "\(format.rawValue)'s \(table)" }

    /// Java's `String.hashCode`: over UTF-16 code units, wrapping in int32.
    static func javaHash(_ text: String) -> Int32 {
        text.utf16.reduce(Int32(0)) { $0 &* 31 &+ Int32($1) }
    }

    static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacing("\"", with: "\"\"") + "\""
    }

    // MARK: Reading

    /// What the tool's table says, read as the tool reads it.
    enum State: Sendable, Equatable {
        /// The table does not exist: the tool never ran here.
        case missing
        /// golang-migrate: its one row (nil when the table is empty: nothing applied).
        case version(Int64?, dirty: Bool)
        /// dbmate, goose: the applied versions.
        case versions(Set<String>)
        /// sqlx: each applied version's SHA-384 (hex); `failed` the versions with `success = false`.
        case checksums([String: String], failed: [String])
        /// Flyway: the history read as Flyway reads it.
        case flyway(FlywayHistory)
    }

    /// Reads the table, first checking its columns are this tool's: golang-migrate and dbmate both default to
    /// `schema_migrations` (so do Rails' migrations), and only the columns tell them apart.
    func read(_ connection: any DatabaseConnection) throws(AdoptionError) -> State {
        let columns: [String: String]
        do throws(DatabaseError) {
            let rows = try connection.query(
                """
                SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
                WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
                """, [quoted])
            columns = Dictionary(rows.map { ($0[0] ?? "", $0[1] ?? "") }, uniquingKeysWith: { $1 })
        } catch {
            throw .database(error)
        }
        guard !columns.isEmpty else { return .missing }
        let shape = columns.keys.sorted().map { "\($0) \(columns[$0]!)" }.joined(separator: ", ")
        switch format {
        case .golangMigrate:
            guard columns["version"] == "bigint", columns["dirty"] == "boolean" else {
                throw .wrongShape(tool: self, columns: shape, expected: "version bigint, dirty boolean")
            }
        case .dbmate:
            guard let type = columns["version"], type.hasPrefix("character varying") || type == "text",
                columns["dirty"] == nil
            else {
                throw .wrongShape(tool: self, columns: shape, expected: "version varchar")
            }
        case .goose:
            guard ["bigint", "integer"].contains(columns["version_id"] ?? ""), columns["is_applied"] == "boolean",
                columns["id"] != nil
            else {
                throw .wrongShape(tool: self, columns: shape, expected: "id, version_id bigint, is_applied boolean, tstamp")
            }
        case .sqlx:
            guard columns["version"] == "bigint", columns["success"] == "boolean", columns["checksum"] == "bytea" else {
                throw .wrongShape(tool: self, columns: shape, expected: "version bigint, success boolean, checksum bytea, …")
            }
        case .flyway:
            guard columns["installed_rank"] == "integer", columns["type"] != nil, columns["success"] == "boolean",
                columns["checksum"] == "integer"
            else {
                throw .wrongShape(tool: self, columns: shape, expected: "installed_rank integer, version, type, checksum integer, success boolean, …")
            }
        case .prestart:
            preconditionFailure("no tool ledger for \(format.rawValue)")
        }
        do throws(DatabaseError) {
            if format == .flyway {
                let rows = try connection.query(
                    "SELECT version, description, type, script, checksum, success FROM \(quoted) ORDER BY installed_rank")
                return .flyway(FlywayHistory(rows: rows))
            }
            if format == .sqlx {
                let rows = try connection.query("SELECT version, success, encode(checksum, 'hex') FROM \(quoted) ORDER BY version")
                var checksums: [String: String] = [:]
                var failed: [String] = []
                for row in rows {
                    guard let version = row[0] else { continue }
                    if row[1] == "t" { checksums[version] = row[2] ?? "" } else { failed.append(version) }
                }
                return .checksums(checksums, failed: failed)
            }
            if format == .goose {
                // goose's EnsureDBVersion: the newest row (highest id) per version decides; 0 is its sentinel.
                let rows = try connection.query(
                    """
                    SELECT version_id FROM (SELECT DISTINCT ON (version_id) version_id, is_applied FROM \(quoted)
                     ORDER BY version_id, id DESC) newest WHERE is_applied AND version_id <> 0
                    """)
                return .versions(Set(rows.compactMap { $0[0] }))
            }
            if format == .golangMigrate {
                // golang-migrate reads the first row (`LIMIT 1`); it never writes more than one.
                let row = try connection.query("SELECT version, dirty FROM \(quoted) LIMIT 1").first
                guard let row else { return .version(nil, dirty: false) }
                return .version(row[0].flatMap { Int64($0) }, dirty: row[1] == "t")
            }
            let rows = try connection.query("SELECT version FROM \(quoted)")
            return .versions(Set(rows.compactMap { $0[0] }))
        } catch {
            throw .database(error)
        }
    }

    /// The migrations the tool's ledger says are applied; refuses a ledger the tool itself would stop on, or one that
    /// names a version no file has.
    func applied(_ state: State, of migrations: [ToolMigration]) throws(AdoptionError) -> [ToolMigration] {
        switch state {
        case .missing:
            return []
        case .version(let version, let dirty):
            guard let version else { return [] }
            if dirty { throw .dirty(tool: self, version: String(version)) }
            guard migrations.contains(where: { UInt64($0.version) == UInt64(exactly: version) }) else {
                throw .missingFile(tool: self, version: String(version))
            }
            return migrations.filter { UInt64($0.version)! <= UInt64(version) }
        case .flyway(let history):
            return try history.applied(of: migrations, tool: self)
        case .checksums(let checksums, let failed):
            // sqlx: a failed row is a dirty database; an applied file must still hash to what sqlx recorded.
            if let version = failed.first {
                throw .failedRow(tool: self, version: version, file: migrations.first { $0.version == version }?.fileName)
            }
            if let missing = Set(checksums.keys).subtracting(migrations.map(\.version)).sorted().first {
                throw .missingFile(tool: self, version: missing)
            }
            let applied = migrations.filter { checksums[$0.version] != nil }
            for migration in applied where migration.toolChecksum != nil && checksums[migration.version] != migration.toolChecksum {
                throw .checksumMismatch(
                    tool: self, file: migration.fileName, recorded: checksums[migration.version]!, current: migration.toolChecksum!)
            }
            return applied
        case .versions(let versions):
            let known = Set(migrations.map(\.version))
            if let missing = versions.subtracting(known).sorted().first {
                throw .missingFile(tool: self, version: missing)
            }
            return migrations.filter { versions.contains($0.version) }
        }
    }

    /// `(version 2120)` after the log line's table name, when the tool keeps a single version.
    func summary(_ state: State) -> String {
        if case .version(let version?, _) = state { return " (version \(version))" }
        return ""
    }

    // MARK: Writing (the mirror)

    /// Whether the tool keeps a row per applied version: then a version it lists that prestart has no row for was
    /// applied by the tool (an old replica, a `goose up` for a Go migration) and is adopted on any run, not only the
    /// first. golang-migrate's single version cannot say which lower versions ran.
    var keepsRowPerVersion: Bool { format != .golangMigrate }

    /// Of `migrations`, those the tool's table lists as applied, for a tool that keeps a row per version; no
    /// refusals (adoption on the first run made them).
    func appliedLeniently(_ state: State, of migrations: [ToolMigration]) -> [ToolMigration] {
        switch state {
        case .versions(let versions): migrations.filter { versions.contains($0.version) }
        case .checksums(let checksums, _): migrations.filter { checksums[$0.version] != nil }
        case .flyway(let history): ((try? history.applied(of: migrations, tool: self)) ?? []).filter { !$0.isExternal }
        case .missing, .version: []
        }
    }

    /// The table as the tool creates it before its first migration.
    var createStatements: [String] {
        switch format {
        case .golangMigrate:
            ["CREATE TABLE IF NOT EXISTS \(quoted) (version bigint not null primary key, dirty boolean not null)"]
        case .dbmate:
            ["create table if not exists \(quoted) (version varchar primary key)"]
        case .goose:
            [
                """
                CREATE TABLE \(quoted) (id integer PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, \
                version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NOT NULL DEFAULT now())
                """,
                // goose's createVersionTable: the sentinel row.
                "INSERT INTO \(quoted) (version_id, is_applied) VALUES (0, true)",
            ]
        case .sqlx:
            [
                """
                CREATE TABLE IF NOT EXISTS \(quoted) (version BIGINT PRIMARY KEY, description TEXT NOT NULL, \
                installed_on TIMESTAMPTZ NOT NULL DEFAULT now(), success BOOLEAN NOT NULL, checksum BYTEA NOT NULL, \
                execution_time BIGINT NOT NULL)
                """
            ]
        case .flyway:
            [
                """
                CREATE TABLE \(quoted) ("installed_rank" INT NOT NULL, "version" VARCHAR(50), \
                "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, \
                "checksum" INTEGER, "installed_by" VARCHAR(100) NOT NULL, \
                "installed_on" TIMESTAMP NOT NULL DEFAULT now(), "execution_time" INTEGER NOT NULL, \
                "success" BOOLEAN NOT NULL, CONSTRAINT \(Self.quote(name + "_pk")) PRIMARY KEY ("installed_rank"))
                """,
                "CREATE INDEX \(Self.quote(name + "_s_idx")) ON \(quoted) (\"success\")",
            ]
        case .prestart:
            preconditionFailure("no tool ledger for \(format.rawValue)")
        }
    }

    /// golang-migrate's `SetVersion`: the table emptied and its one row written, in the caller's transaction.
    /// `dirty` before a file runs, clean after.
    func setVersion(_ version: String, dirty: Bool) -> [(sql: String, parameters: [String?])] {
        [
            ("TRUNCATE \(quoted)", []),
            ("INSERT INTO \(quoted) (version, dirty) VALUES ($1, \(dirty ? "true" : "false"))", [version]),
        ]
    }

    /// The rows that record `version` as applied, in the unit's own transaction. Only the tool's columns are
    /// written: a table the project extended with columns of its own (with defaults) is fine.
    func appliedStatements(_ migration: ToolMigration, version: String) -> [(sql: String, parameters: [String?])] {
        switch format {
        case .golangMigrate:
            return setVersion(version, dirty: false)
        case .dbmate:
            return [
                (
                    "INSERT INTO \(quoted) (version) SELECT $1::text WHERE NOT EXISTS (SELECT 1 FROM \(quoted) WHERE version = $1::text)",
                    [version]
                )
            ]
        case .goose:
            return [("INSERT INTO \(quoted) (version_id, is_applied) VALUES ($1, true)", [version])]
        case .sqlx:
            // sqlx writes -1 in its transaction, then the time in an UPDATE after it; prestart keeps the -1. A row
            // already there (a forced re-run) is replaced, so the checksum is the file's now.
            return [
                ("DELETE FROM \(quoted) WHERE version = $1", [version]),
                (
                    """
                    INSERT INTO \(quoted) (version, description, success, checksum, execution_time) \
                    VALUES ($1, $2, TRUE, decode($3, 'hex'), -1)
                    """,
                    [version, migration.description, migration.toolChecksum ?? ""]
                )
            ]
        case .flyway:
            // DbMigrate: a history row per applied script, ranked after the last; repeatables have no version.
            return [
                (
                    """
                    INSERT INTO \(quoted) (installed_rank, version, description, type, script, checksum, installed_by, \
                    execution_time, success) SELECT coalesce(max(installed_rank), 0) + 1, $1, $2, 'SQL', $3, \
                    $4::integer, left(current_user, 100), 0, true FROM \(quoted)
                    """,
                    [migration.isRepeatable ? nil : migration.version, migration.description, migration.fileName,
                     migration.toolChecksum]
                )
            ]
        case .prestart:
            preconditionFailure("no tool ledger for \(format.rawValue)")
        }
    }

    // MARK: The tool's lock

    /// The advisory lock key the tool takes, or nil when it takes none (dbmate).
    ///
    /// golang-migrate (`database/util.go` `GenerateAdvisoryLockId`): CRC-32 (IEEE) of `schema\0table\0database`,
    /// times 1486364155, in uint32 arithmetic.
    func lockKey(schema: String, database: String) -> Int64? {
        switch format {
        case .golangMigrate:
            let sum = CRC32.checksum(Array([schema, name, database].joined(separator: "\0").utf8))
            return Int64(sum &* 1_486_364_155)
        case .goose:
            // lock/postgres.go: crc32("goose"), taken only when the project turned goose's session locker on; holding
            // it costs nothing otherwise.
            return 4_097_083_626
        case .sqlx:
            // sqlx-postgres migrate.rs generate_lock_id: 0x3d32ad9e * crc32(database), as i64 (no overflow).
            return 0x3d32_ad9e * Int64(CRC32.checksum(Array(database.utf8)))
        case .flyway:
            // PostgreSQLAdvisoryLockTemplate: "Flyway" in ASCII plus Java's hashCode of the quoted table name.
            return 0x466C_7977_6179 + Int64(Self.javaHash("\(Self.quote(schema)).\(Self.quote(name))"))
        case .dbmate:
            return nil
        case .prestart:
            return nil
        }
    }
}

public import PrestartDatabase
import PrestartSystem

/// The at-head decision: skip Alembic only when the folder has exactly one head and `alembic_version` (the
/// table visible in the search path, or the one env.py names) holds exactly that one row; with `upgrade heads`,
/// only when that table holds exactly the rows Alembic leaves at every head (each head but one another head
/// depends on). In every other case, `run` runs, and the decision says why.
public enum AlembicCheck: Sendable, Equatable {
    case atHead(AlembicProject.Head)
    case run(reason: String)

    /// The rows of `table`, or nil when there is no such table. Read-only; names are bound or quoted, never
    /// spliced as they are.
    public static func versions(
        _ connection: any DatabaseConnection, table: VersionTable
    ) throws(DatabaseError) -> [String]? {
        let exists: String
        let parameters: [String?]
        if connection.dialect == .postgres {
            exists = "SELECT to_regclass($1) IS NOT NULL"
            parameters = [table.sql]
        } else {
            let catalog = table.schema.map { VersionTable.quoted($0) + ".sqlite_master" } ?? "sqlite_master"
            exists = "SELECT count(*) > 0 FROM \(catalog) WHERE type = 'table' AND lower(name) = lower(?1)"
            parameters = [table.name]
        }
        guard let flag = try connection.query(exists, parameters).first?.first ?? nil, flag == "t" || flag == "1" else {
            return nil
        }
        return try connection.query("SELECT version_num FROM \(table.sql)").map { $0.first.flatMap { $0 } ?? "NULL" }
    }

    /// What a step decides from the folder (or why it could not read it) and the rows read from `table`.
    public static func decide(
        project: Result<AlembicProject, AlembicUnsure>, versions: [String]?, readFrom table: VersionTable = .standard
    ) -> AlembicCheck {
        let read: AlembicProject
        switch project {
        case .failure(let unsure): return .run(reason: "not sure the database is at head: \(unsure)")
        case .success(let value): read = value
        }
        let project = read
        guard project.versionTable == table else {
            return .run(
                reason: "env.py keeps the versions in \(project.versionTable), not in the \(table) read here")
        }
        let head = project.head
        let heads = project.heads.map(\.revision)
        let wanted = heads.count == 1 ? "head is \(head.revision)" : "heads are \(head.revision)"
        guard let versions else {
            return .run(reason: "\(table) does not exist: a new database (\(wanted))")
        }
        if versions.isEmpty {
            return .run(reason: "\(table) is empty (\(wanted))")
        }
        if versions.sorted() == project.rows {
            return .atHead(head)
        }
        if heads.count == 1 {
            if versions.count == 1 {
                return .run(reason: "the database is at \(versions[0]), the head is \(head.revision) (\(head.file))")
            }
            return .run(
                reason: "\(table) holds \(versions.count) rows (\(versions.sorted().joined(separator: ", "))), "
                    + "the head is \(head.revision) alone")
        }
        let kept = project.rows == heads ? "" : " (\(table) then holds \(project.rows.joined(separator: ", ")))"
        return .run(
            reason: "the database is at \(versions.sorted().joined(separator: ", ")), the heads are \(head.revision)"
                + kept)
    }
}

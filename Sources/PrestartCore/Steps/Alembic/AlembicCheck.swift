public import PrestartDatabase
import PrestartSystem

/// The at-head decision: skip Alembic only when the folder has exactly one head and `alembic_version` (the
/// table visible in the search path) holds exactly that one row. In every other case, `run` runs, and the
/// decision says why.
public enum AlembicCheck: Sendable, Equatable {
    case atHead(AlembicProject.Head)
    case run(reason: String)

    /// The rows of `alembic_version`, or nil when no such table is visible. Read-only.
    public static func versions(_ connection: any DatabaseConnection) throws(DatabaseError) -> [String]? {
        let exists =
            connection.dialect == .postgres
            ? "SELECT to_regclass('alembic_version') IS NOT NULL"
            : "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND lower(name) = 'alembic_version'"
        guard let flag = try connection.query(exists).first?.first ?? nil, flag == "t" || flag == "1" else {
            return nil
        }
        return try connection.query("SELECT version_num FROM alembic_version").map { $0.first.flatMap { $0 } ?? "NULL" }
    }

    /// What a step decides from the folder (or why it could not read it) and the table's rows.
    public static func decide(
        project: Result<AlembicProject, AlembicUnsure>, versions: [String]?
    ) -> AlembicCheck {
        let head: AlembicProject.Head
        switch project {
        case .failure(let unsure): return .run(reason: "not sure the database is at head: \(unsure)")
        case .success(let value): head = value.head
        }
        guard let versions else {
            return .run(reason: "alembic_version does not exist: a new database (head is \(head.revision))")
        }
        switch versions.count {
        case 0:
            return .run(reason: "alembic_version is empty (head is \(head.revision))")
        case 1 where versions[0] == head.revision:
            return .atHead(head)
        case 1:
            return .run(reason: "the database is at \(versions[0]), the head is \(head.revision) (\(head.file))")
        default:
            return .run(
                reason: "alembic_version holds \(versions.count) rows (\(versions.sorted().joined(separator: ", "))), "
                    + "the head is \(head.revision) alone")
        }
    }
}

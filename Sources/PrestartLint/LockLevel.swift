/// PostgreSQL's table-level lock modes, weakest first, as its documentation names them ("Explicit Locking",
/// table 13.2): which statement takes which, and what waits behind it.
public enum LockLevel: Int, Sendable, Comparable, CaseIterable {
    case accessShare = 1
    case rowShare
    case rowExclusive
    case shareUpdateExclusive
    case share
    case shareRowExclusive
    case exclusive
    case accessExclusive

    public static func < (lhs: LockLevel, rhs: LockLevel) -> Bool { lhs.rawValue < rhs.rawValue }

    /// As PostgreSQL writes it: `ACCESS EXCLUSIVE`.
    public var name: String {
        switch self {
        case .accessShare: "ACCESS SHARE"
        case .rowShare: "ROW SHARE"
        case .rowExclusive: "ROW EXCLUSIVE"
        case .shareUpdateExclusive: "SHARE UPDATE EXCLUSIVE"
        case .share: "SHARE"
        case .shareRowExclusive: "SHARE ROW EXCLUSIVE"
        case .exclusive: "EXCLUSIVE"
        case .accessExclusive: "ACCESS EXCLUSIVE"
        }
    }

    /// What the application notices while the lock is held.
    public var blocks: String {
        switch self {
        case .accessShare, .rowShare, .rowExclusive: "reads and writes go on"
        case .shareUpdateExclusive: "reads and writes go on; other schema changes and VACUUM wait"
        case .share: "reads go on, writes wait"
        case .shareRowExclusive: "reads go on, writes wait"
        case .exclusive: "only plain reads go on"
        case .accessExclusive: "reads and writes wait"
        }
    }

    /// `LOCK TABLE … IN … MODE`: the parser's numbering (AccessShareLock = 1 … AccessExclusiveLock = 8).
    init?(lockMode: Int64) {
        self.init(rawValue: Int(lockMode))
    }
}

/// PostgreSQL's five-character error code, as a value that patterns match: `case .lockNotAvailable`.
public struct SQLState: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.rawValue = value
    }

    /// The first two characters: `08` connection exception, `28` invalid authorization, `40` transaction rollback.
    public var errorClass: String {
        String(rawValue.prefix(2))
    }

    public var description: String {
        rawValue
    }

    public static let invalidAuthorizationSpecification: SQLState = "28000"
    public static let invalidPassword: SQLState = "28P01"
    public static let inFailedSQLTransaction: SQLState = "25P02"
    public static let serializationFailure: SQLState = "40001"
    public static let deadlockDetected: SQLState = "40P01"
    public static let lockNotAvailable: SQLState = "55P03"
    /// Also an unknown parameter in a connection's start-up `options`.
    public static let undefinedObject: SQLState = "42704"
    public static let adminShutdown: SQLState = "57P01"
    public static let crashShutdown: SQLState = "57P02"
    public static let cannotConnectNow: SQLState = "57P03"

    /// Whether running the transaction again may succeed: a serialization failure, a deadlock, a lock timeout, any
    /// connection exception (class 08), the server shutting down or not yet accepting connections.
    public var isTransient: Bool {
        switch self {
        case .serializationFailure, .deadlockDetected, .lockNotAvailable, .adminShutdown, .crashShutdown,
            .cannotConnectNow:
            true
        default:
            errorClass == "08"
        }
    }
}

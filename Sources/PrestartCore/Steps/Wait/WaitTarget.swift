/// What a wait step waits for.
public enum WaitTarget: Sendable, Equatable, CustomStringConvertible {
    /// Connect and `SELECT 1` through the real driver.
    case database
    case tcp(host: String, port: UInt16)
    case http(host: String, port: UInt16, path: String)
    case file(path: String)

    public var description: String {
        switch self {
        case .database: "the database"
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        case .http(let host, let port, let path): "http://\(host):\(port)\(path)"
        case .file(let path): "file:\(path)"
        }
    }
}

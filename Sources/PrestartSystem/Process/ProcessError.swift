import Glibc

public enum ProcessError: Error, Sendable, CustomStringConvertible {
    case spawnFailed(command: String, reason: String)
    case noWorkdir(String)

    public var description: String {
        switch self {
        case .spawnFailed(let command, let reason): "cannot start \(command): \(reason)"
        case .noWorkdir(let path): "the working directory \(path) does not exist"
        }
    }
}

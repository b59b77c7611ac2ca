import Glibc

public struct AppLaunchError: Error, Sendable, CustomStringConvertible {
    public var command: String
    public var errno: Int32

    public var description: String {
        "cannot start the app \(command): \(String(cString: strerror(errno)))"
    }
}

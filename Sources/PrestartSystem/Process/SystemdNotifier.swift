import Glibc

/// systemd's readiness protocol (`sd_notify`) without libsystemd: one datagram of `KEY=value` lines to the
/// `AF_UNIX` socket named in `NOTIFY_SOCKET`.
///
/// - Important: Sending never blocks and never fails the run: a full queue or a vanished manager loses a
///   status line, nothing more. A socket opened per message (as libsystemd does) is closed at once, so the app
///   and the steps inherit no descriptor.
public struct SystemdNotifier: Sendable {
    /// The `sun_path` bytes: a path with its NUL, or for an abstract name a leading NUL and no terminator.
    private let path: [UInt8]

    /// `nil` when `NOTIFY_SOCKET` is absent or names something other than a Unix socket (such as systemd's
    /// `vsock:` form for virtual machines): then nothing is ever sent.
    public init?(environment: Environment) {
        guard let socket = environment["NOTIFY_SOCKET"] else { return nil }
        self.init(socket: socket)
    }

    /// `socket` as in `NOTIFY_SOCKET`: an absolute path, or `@name` for a Linux abstract socket.
    public init?(socket: String) {
        var bytes = Array(socket.utf8)
        if bytes.first == UInt8(ascii: "@") {
            bytes[0] = 0
        } else if bytes.first == UInt8(ascii: "/") {
            bytes.append(0)
        } else {
            return nil
        }
        guard bytes.count <= MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        path = bytes
    }

    /// Sends `message`, e.g. `"READY=1\nMAINPID=42"`, as one datagram.
    public func send(_ message: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + path.count)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), socketAddress, length)
            }
        }
    }

    /// `STATUS=`: the one line `systemctl status` shows. Only the first line of `text` is sent.
    public func status(_ text: String) {
        send("STATUS=" + (text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""))
    }

    /// `EXTEND_TIMEOUT_USEC=`: the manager allows `duration` more from now before its own start (or stop)
    /// timeout may fire, so a unit's `TimeoutStartSec=` does not kill a wait that is within its own timeout.
    public func extendTimeout(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let microseconds = max(0, seconds) * 1_000_000 + max(0, attoseconds) / 1_000_000_000_000
        send("EXTEND_TIMEOUT_USEC=\(microseconds)")
    }
}

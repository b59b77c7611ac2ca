import Glibc
import Synchronization
import PrestartDatabase
import PrestartSystem

/// Where every log line goes: standard error, one `write(2)` per line, so no line is held back by stdio
/// buffering in a container and lines from concurrent steps never interleave. Registered secrets are masked
/// in everything that passes through.
public final class LogSink: Sendable {
    public static let standardError = LogSink(fd: 2)

    private let fd: Int32
    private let secrets = Mutex<[String]>([])

    public init(fd: Int32) {
        self.fd = fd
    }

    /// Values that must never be written: passwords, secret parameters. Longest first, so a secret that
    /// contains another is masked whole. Values shorter than 3 characters are not masked: hiding every `t` in
    /// the log would protect nothing and destroy the log.
    ///
    /// Each value is also masked as it appears inside a JSON string (`"` as `\"`, a newline as `\n`): JSON log lines
    /// and the report are masked after they are serialized, where the raw value no longer occurs.
    public func addSecrets(_ values: some Sequence<String>) {
        let forms = values.filter { $0.count >= 3 }.flatMap { value in
            [value, String(JSON.string(value).serialized().dropFirst().dropLast())]
        }
        secrets.withLock { current in
            for form in forms where !current.contains(form) { current.append(form) }
            current.sort { $0.count > $1.count }
        }
    }

    public func redact(_ text: String) -> String {
        secrets.withLock { secrets in
            var text = text
            for secret in secrets where text.contains(secret) {
                text = text.replacing(secret, with: "***")
            }
            return text
        }
    }

    public func write(line: String) {
        var bytes = Array(redact(line).utf8)
        bytes.append(UInt8(ascii: "\n"))
        // The lock keeps lines whole; a short write to a pipe is retried for the rest.
        secrets.withLock { _ in
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}

import Glibc
import PrestartDatabase
import PrestartSystem

/// One try of a wait step: is the target ready?
enum Probe {
    struct Failure: Error, Sendable {
        var reason: String
        /// Nothing is listening yet (refused, no socket file, server starting up): a try costs the target
        /// nothing, so the next one need not back off.
        var nothingListening: Bool
        /// Waiting cannot help (the server rejected the credentials): the step fails at once.
        var permanent = false
    }

    /// Blocks for at most about `timeout`; call it off the cooperative pool.
    static func check(
        _ target: WaitTarget, pool: ConnectionPool?, timeout: Duration
    ) -> Failure? {
        switch target {
        case .database:
            guard let pool else {
                return Failure(reason: "the config has no [database] to wait for", nothingListening: false, permanent: true)
            }
            return database(pool, timeout: timeout)
        case .tcp(let host, let port):
            do {
                close(try connect(host: host, port: port, timeout: timeout))
                return nil
            } catch {
                return error
            }
        case .http(let host, let port, let path):
            return http(host: host, port: port, path: path, timeout: timeout)
        case .file(let path):
            return FileSystem.exists(path) ? nil : Failure(reason: "\(path) does not exist yet", nothingListening: true)
        }
    }

    private static func database(_ pool: ConnectionPool, timeout: Duration) -> Failure? {
        do throws(DatabaseError) {
            let connection = try pool.open(timeout: timeout)
            do throws(DatabaseError) {
                _ = try connection.query("SELECT 1")
            } catch {
                connection.close()
                throw error
            }
            // The connection is good: the next steps use it instead of connecting again.
            pool.checkIn(connection)
            return nil
        } catch {
            return Failure(
                reason: error.description, nothingListening: isNothingListening(error), permanent: isPermanent(error))
        }
    }

    /// A server that rejects the client will keep rejecting it: failing at once says so, where retrying for
    /// minutes would look like "database not ready". Decided by SQLSTATE class 28 (invalid authorization:
    /// 28P01 a wrong password, 28000 peer, ident, cert, pg_hba.conf or a missing role), which the server sends
    /// whatever its language and authentication method; see `PostgresConnection.connect` for how it is read.
    static func isPermanent(_ error: DatabaseError) -> Bool {
        error.sqlstate?.errorClass == "28"
    }

    /// libpq's words for "no server yet" and PostgreSQL's "starting up" (57P03) are the cheap failures.
    static func isNothingListening(_ error: DatabaseError) -> Bool {
        if error.sqlstate == .cannotConnectNow { return true }
        let message = error.message
        return message.contains("Connection refused") || message.contains("No such file or directory")
            || message.contains("the database system is starting up")
    }

    /// A connected TCP socket, within `timeout`.
    static func connect(host: String, port: UInt16, timeout: Duration) throws(Failure) -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw Failure(reason: "cannot resolve \(host): \(String(cString: gai_strerror(resolved)))", nothingListening: false)
        }
        defer { freeaddrinfo(list) }
        let deadline = ContinuousClock.now + timeout
        var lastFailure = Failure(reason: "no address for \(host)", nothingListening: false)
        var address: UnsafeMutablePointer<addrinfo>? = first
        while let current = address {
            address = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, current.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), current.pointee.ai_protocol)
            guard fd >= 0 else { continue }
            if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 { return fd }
            var error = errno
            if error == EINPROGRESS {
                var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let remaining = max(0, (deadline - .now).milliseconds)
                let ready = poll(&descriptor, 1, Int32(clamping: remaining))
                if ready == 1 {
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    if error == 0 { return fd }
                } else {
                    error = ETIMEDOUT
                }
            }
            close(fd)
            lastFailure = Failure(
                reason: "\(host):\(port): \(String(cString: strerror(error)))", nothingListening: error == ECONNREFUSED)
        }
        throw lastFailure
    }

    /// Ready when `GET path` answers 2xx or 3xx.
    private static func http(host: String, port: UInt16, path: String, timeout: Duration) -> Failure? {
        let deadline = ContinuousClock.now + timeout
        let fd: Int32
        do {
            fd = try connect(host: host, port: port, timeout: timeout)
        } catch {
            return error
        }
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.0\r\nHost: \(host)\r\nUser-Agent: prestart\r\nConnection: close\r\n\r\n".utf8)
        var sent = 0
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while !response.contains(UInt8(ascii: "\n")) {
            let remaining = (deadline - .now).milliseconds
            guard remaining > 0 else { return Failure(reason: "http://\(host):\(port)\(path): no answer in time", nothingListening: false) }
            let wanted = sent < request.count ? POLLOUT : POLLIN
            var descriptor = pollfd(fd: fd, events: Int16(wanted), revents: 0)
            guard poll(&descriptor, 1, Int32(clamping: remaining)) == 1 else { continue }
            if sent < request.count {
                let count = request.withUnsafeBytes { send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if count > 0 { sent += count } else if errno != EAGAIN && errno != EINTR { break }
            } else {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { response += buffer[0..<count] } else if count == 0 || (errno != EAGAIN && errno != EINTR) { break }
            }
        }
        let statusLine = String(decoding: response.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
            return Failure(reason: "http://\(host):\(port)\(path): not an HTTP answer", nothingListening: false)
        }
        guard (200..<400).contains(status) else {
            return Failure(reason: "http://\(host):\(port)\(path) answered \(statusLine.dropFirst(parts[0].count + 1))", nothingListening: false)
        }
        return nil
    }
}

import CLibPQ
import Glibc

extension PostgresConnection {
    /// `sslmode=allow` for a server on this machine's loopback interface, when nothing else chose an `sslmode`.
    ///
    /// libpq's default, `prefer`, opens every TCP connection with an SSLRequest and waits for the server's answer
    /// before the start-up packet: a round trip of its own. Over loopback TLS protects nothing (the bytes never
    /// leave the kernel, and `prefer` verifies no certificate anyway), so `allow` skips the question; a server that
    /// accepts only TLS (`hostssl` in pg_hba.conf) refuses the plain attempt and libpq then connects again with TLS,
    /// so such a server is still reached.
    ///
    /// Nil, leaving libpq's default, when `conninfo` or the environment says anything about TLS or channel
    /// binding (`sslmode`, `requiressl`, any other `ssl…` key such as a client certificate, `channel_binding`,
    /// `gssencmode`, or their `PG…` variables), names a service (whose file may), or when any host is not loopback
    /// (`localhost`, 127.0.0.0/8, `::1`) or a Unix socket (which never uses TLS).
    static func loopbackSSLMode(
        for conninfo: String, _ pq: LibPQ,
        environment: (String) -> String? = { getenv($0).map { String(cString: $0) } }
    ) -> (name: String, value: String)? {
        for variable in [
            "PGSSLMODE", "PGREQUIRESSL", "PGSERVICE", "PGSSLCERT", "PGSSLKEY", "PGSSLROOTCERT", "PGSSLCRL",
            "PGSSLCRLDIR", "PGSSLSNI", "PGSSLMINPROTOCOLVERSION", "PGSSLMAXPROTOCOLVERSION", "PGCHANNELBINDING",
            "PGGSSENCMODE", "PGREQUIREPEER",
        ] where environment(variable) != nil {
            return nil
        }
        guard let options = pq.conninfoParse(conninfo, nil) else { return nil }
        defer { pq.conninfoFree(options) }
        var values: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { values[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        guard values["service"] == nil,
            !values.keys.contains(where: {
                $0.hasPrefix("ssl") || $0 == "requiressl" || $0 == "channel_binding" || $0 == "gssencmode"
            })
        else { return nil }
        // hostaddr, when given, is where libpq connects; host then only names the server.
        guard let hosts = values["hostaddr"] ?? values["host"] ?? environment("PGHOSTADDR") ?? environment("PGHOST"),
            hosts.split(separator: ",", omittingEmptySubsequences: false).allSatisfy(isLoopbackOrSocket),
            hosts.split(separator: ",").contains(where: { !$0.hasPrefix("/") && !$0.hasPrefix("@") })
        else { return nil }
        return ("sslmode", "allow")
    }

    /// An empty entry is libpq's default host, the Unix socket.
    private static func isLoopbackOrSocket(_ host: Substring) -> Bool {
        if host.isEmpty || host.hasPrefix("/") || host.hasPrefix("@") || host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(host), &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(host), &v6) == 1 {
            return withUnsafeBytes(of: &v6) { $0.elementsEqual([UInt8](repeating: 0, count: 15) + [1]) }
        }
        return false
    }
}

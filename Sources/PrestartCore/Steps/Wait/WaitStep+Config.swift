import PrestartSystem

extension WaitStep {
    public init(reading reader: StepTable) throws(ConfigError) {
        self.init(target: try Self.target(reader), interval: try reader.backoff("interval") ?? Self.defaultInterval)
    }

    private static func target(_ reader: StepTable) throws(ConfigError) -> WaitTarget {
        guard let text = try reader.string("target"), text != "database" else {
            _ = try reader.database()
            return .database
        }
        let invalid = reader.error(
            key: "target", "\"\(text)\" is not a wait target (database, tcp://HOST:PORT, http://HOST[:PORT]/PATH, file:PATH)")
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty else { throw invalid }
            return .file(path: Path.resolve(path, against: reader.directory))
        }
        if text.hasPrefix("https://") {
            throw reader.error(key: "target", "https is not supported; wait for the port with tcp://HOST:443")
        }
        for (scheme, defaultPort) in [("tcp://", UInt16?.none), ("http://", UInt16(80))] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            let authority = rest.prefix { $0 != "/" }
            let path = rest.dropFirst(authority.count)
            var host = Substring(authority)
            var port = defaultPort
            if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
                guard let number = UInt16(authority[authority.index(after: colon)...]), number > 0 else { throw invalid }
                host = authority[..<colon]
                port = number
            }
            if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
            guard !host.isEmpty, let port else { throw invalid }
            if scheme == "tcp://" {
                guard path.isEmpty || path == "/" else { throw invalid }
                return .tcp(host: String(host), port: port)
            }
            return .http(host: String(host), port: port, path: path.isEmpty ? "/" : String(path))
        }
        throw invalid
    }
}

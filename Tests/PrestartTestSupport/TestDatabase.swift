import Glibc
import PrestartCore
import Testing
public import PrestartDatabase
import PrestartSystem

/// The PostgreSQL server the integration tests use: `PRESTART_TEST_DATABASE_URL`, as printed by
/// `scripts/pg-throwaway start DIR`.
public enum TestDatabase {
    public static var url: String? { environment("PRESTART_TEST_DATABASE_URL") }
    public static var isCI: Bool { environment("CI") == "true" }

    /// Without a server the PostgreSQL suites are skipped on a developer's machine, but run in CI, where
    /// ``connect(timeout:)`` then fails them: CI must never pass by skipping.
    public static var shouldRun: Bool { url != nil || isCI }

    public static func connect(timeout: Duration = .seconds(5)) throws -> PostgresConnection {
        let text = try #require(
            url,
            """
            PRESTART_TEST_DATABASE_URL is not set, and CI must run the PostgreSQL tests: export it from \
            `scripts/pg-throwaway start DIR`.
            """
        )
        let parsed = try DatabaseURL.parse(text, relativeTo: "/")
        guard case .postgres(let conninfo) = parsed else {
            throw TestFailure("PRESTART_TEST_DATABASE_URL is not a PostgreSQL URL: \(parsed)")
        }
        return try PostgresConnection.connect(
            conninfo: conninfo,
            connectTimeout: timeout,
            applicationName: "prestart-tests"
        )
    }

    /// A new, empty database on the test server, so tests running side by side never see each other's tables.
    /// Returns its socket URL (trust) and the port, for the password-protected TCP form.
    public static func createDatabase() throws -> (url: String, name: String, port: String) {
        let admin = try connect()
        defer { admin.close() }
        let name = "t_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try admin.execute("CREATE DATABASE \(name)")
        let url = try #require(self.url)
        let port = String(try #require(url.split(separator: "port=").last))
        return (url.replacing("/postgres?", with: "/\(name)?"), name, port)
    }

    /// A session on one of the test server's databases (made by ``createDatabase()``).
    public static func connect(to database: String) throws -> PostgresConnection {
        let url = try #require(self.url)
        return try PostgresConnection.connect(
            conninfo: url.replacing("/postgres?", with: "/\(database)?"), connectTimeout: .seconds(5))
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Runs `body` and returns how long it took.
public func measure<T>(_ body: () throws -> T) rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try body()
    return (value, start.duration(to: clock.now))
}

/// A table name no other test uses, for tests that need two sessions to see the same table.
public func uniqueTableName(_ prefix: String) -> String {
    "\(prefix)_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
}

extension DatabaseConnection {
    /// The first column of the first row, for checks that read one value.
    public func value(_ sql: String) throws -> String? {
        try query(sql).first?.first ?? nil
    }
}

import PrestartTestSupport
import Testing

@testable import PrestartDatabase

/// The parameters a connection starts with go in libpq's start-up `options`, so they cost no round trip; one a
/// server may not know (`client_connection_check_interval`, PostgreSQL 14+) must not cost the connection.
@Suite(.enabled(if: TestDatabase.shouldRun))
struct ConnectionStartupTests {
    @Test func anOptionalParameterTheServerRefusesIsLeftOutAndTheConnectionMadeAgain() throws {
        let database = try TestDatabase.createDatabase()
        let pool = ConnectionPool(url: try DatabaseURL.parse(database.url, relativeTo: "/"), settings: [])
        // Without a dot PostgreSQL takes no name it does not know: FATAL 42704, as a 13 server says of the real one.
        let unknown = (name: "prestart_no_such_parameter", value: "1")
        let first = try pool.open(timeout: .seconds(5), optional: unknown)
        defer { first.close() }
        #expect(try first.query("SELECT current_setting('lock_timeout')", []) == [["10s"]])
        #expect(!pool.sendsOptionalParameterAtStartup, "the server refused it, so the pool stops sending it")
        let second = try pool.open(timeout: .seconds(5), optional: unknown)
        defer { second.close() }
        #expect(try second.query("SELECT 1", []) == [["1"]])
    }

    /// Only the optional parameter is dropped on a refusal: a user's own unknown setting still stops the
    /// connection, with the server's words.
    @Test func aUsersUnknownSettingStillFailsTheConnection() throws {
        let database = try TestDatabase.createDatabase()
        let pool = ConnectionPool(
            url: try DatabaseURL.parse(database.url, relativeTo: "/"), settings: [("prestart_typo_setting", "1")])
        #expect {
            try pool.open()
        } throws: { error in
            (error as? DatabaseError)?.sqlstate == .undefinedObject
        }
    }

    @Test func theDeadClientCheckIsOnFromTheFirstStatement() throws {
        let database = try TestDatabase.createDatabase()
        let pool = ConnectionPool(url: try DatabaseURL.parse(database.url, relativeTo: "/"), settings: [])
        let connection = try pool.open()
        defer { connection.close() }
        #expect(try connection.query("SELECT current_setting('client_connection_check_interval')", []) == [["1s"]])
    }
}

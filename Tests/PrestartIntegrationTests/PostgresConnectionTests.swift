import Glibc
import PrestartCore
import PrestartTestSupport
import Testing
import PrestartDatabase
import PrestartSystem

@Suite(
    .enabled(if: TestDatabase.shouldRun, "set PRESTART_TEST_DATABASE_URL (scripts/pg-throwaway start DIR)"),
    .timeLimit(.minutes(1))
)
struct PostgresConnectionTests {
    @Test func rowsComeBackAsTextWithNullAsNil() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let rows = try connection.query("SELECT 1::int, NULL::text, $1::text, 'é😀'", ["x"])
        #expect(rows == [["1", nil, "x", "é😀"]])
        #expect(try connection.query("SELECT current_setting('application_name')") == [["prestart-tests"]])
        #expect(connection.serverVersion >= 150000)
    }

    @Test(
        "Hostile values are bound, never spliced, and stored literally",
        arguments: [
            "x'); DROP TABLE t; --", "$1", ":name", "'", "\\", "E'\\''", "$$;$$", "-- not a comment", "", "é😀",
        ]
    )
    func hostileValues(value: String) throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.execute("CREATE TEMP TABLE t (v text, w text)")
        let script = SQLScript("INSERT INTO t (v, w) VALUES (:value, :value::text || :suffix);", dialect: .postgres)
        try connection.execute(script, parameters: ["value": value, "suffix": "!"])
        #expect(try connection.query("SELECT v, w FROM t") == [[value, value + "!"]])
        try connection.execute("INSERT INTO t (v) VALUES ($1)", [nil])
        #expect(try connection.query("SELECT count(*) FROM t WHERE v IS NULL") == [["1"]])
    }

    @Test func anErrorKeepsSQLSTATEMessageAndPosition() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let error = #expect(throws: DatabaseError.self) { try connection.query("SELECT * FROM nope") }
        #expect(error?.kind == .statement)
        #expect(error?.sqlstate == "42P01")
        #expect(error?.severity == "ERROR")
        #expect(error?.message == #"relation "nope" does not exist"#)
        #expect(error?.position == 15)
        #expect(error?.statement == "SELECT * FROM nope")
        #expect(error?.isTransient == false)
        #expect(error?.description == #"ERROR 42P01: relation "nope" does not exist"#)
        // The connection is still usable after an error outside a transaction.
        #expect(try connection.query("SELECT 1") == [["1"]])
    }

    @Test func aUniqueViolationCarriesDetailAndConstraint() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.execute("CREATE TEMP TABLE u (email text CONSTRAINT u_email UNIQUE)")
        try connection.execute("INSERT INTO u VALUES ($1)", ["a@example.com"])
        let error = #expect(throws: DatabaseError.self) {
            try connection.execute("INSERT INTO u VALUES ($1)", ["a@example.com"])
        }
        #expect(error?.sqlstate == "23505")
        #expect(error?.detail == "Key (email)=(a@example.com) already exists.")
        #expect(error?.constraintName == "u_email")
        #expect(error?.tableName == "u")
        #expect(error?.description.hasSuffix("Detail: Key (email)=(a@example.com) already exists.") == true)
    }

    @Test func aScriptErrorPointsAtTheLineInTheFile() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let text = """
            -- seed
            CREATE TEMP TABLE a (x text);
            INSERT INTO a (x)
              VALUES (:value),
                     (nope);
            """
        let script = SQLScript(text, dialect: .postgres)
        let error = #expect(throws: DatabaseError.self) {
            try connection.execute(script, parameters: ["value": "long value that shifts nothing"])
        }
        #expect(error?.sqlstate == "42703")
        #expect(error?.line == 5)
        let position = try #require(error?.position)
        #expect(script.statements[1].location(ofPosition: position) == SQLScript.Location(line: 5, column: 11))
    }

    @Test func dollarQuotedBodiesRunAndNoticesAreKeptNotPrinted() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        let text = """
            CREATE FUNCTION pg_temp.twice(n int) RETURNS int LANGUAGE plpgsql AS $body$
            DECLARE
                result int;
            BEGIN
                result := n * 2; -- a ; and a :name in a comment
                RETURN result;
            END;
            $body$;
            DO $$ BEGIN RAISE NOTICE 'hello %', 1; END $$;
            CREATE TEMP TABLE IF NOT EXISTS n (x int);
            CREATE TEMP TABLE IF NOT EXISTS n (x int);
            """
        try connection.execute(SQLScript(text, dialect: .postgres), parameters: [:])
        #expect(try connection.query("SELECT pg_temp.twice($1::int)", ["21"]) == [["42"]])
        let notices = connection.takeNotices()
        #expect(notices.first == "NOTICE: hello 1")
        #expect(notices.last == #"NOTICE: relation "n" already exists, skipping"#)
        #expect(connection.takeNotices().isEmpty)
    }

    @Test func rollbackLeavesNothing() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.execute("CREATE TEMP TABLE r (x int)")
        try connection.begin()
        try connection.execute("INSERT INTO r VALUES (1)")
        #expect(try connection.query("SELECT count(*) FROM r") == [["1"]])
        connection.rollback()
        #expect(try connection.query("SELECT count(*) FROM r") == [["0"]])
        connection.rollback()  // nothing open: harmless
    }

    @Test func committingAFailedTransactionThrowsAndKeepsNothing() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.execute("CREATE TEMP TABLE c (x int)")
        try connection.begin()
        try connection.execute("INSERT INTO c VALUES (1)")
        #expect(throws: DatabaseError.self) { try connection.execute("SELECT * FROM nope") }
        let error = #expect(throws: DatabaseError.self) { try connection.commit() }
        #expect(error?.sqlstate == "25P02")
        #expect(try connection.query("SELECT count(*) FROM c") == [["0"]])
    }

    @Test func aLockTimeoutIsTransient() throws {
        let holder = try TestDatabase.connect()
        let waiter = try TestDatabase.connect()
        let table = uniqueTableName("prestart_lock")
        defer {
            waiter.rollback()
            holder.rollback()
            try? holder.execute("DROP TABLE IF EXISTS \(table)")
            holder.close()
            waiter.close()
        }
        try holder.execute("CREATE TABLE \(table) (x int)")
        try holder.begin()
        try holder.execute("LOCK TABLE \(table) IN ACCESS EXCLUSIVE MODE")
        try waiter.setParameter("lock_timeout", "100ms")
        #expect(try waiter.query("SHOW lock_timeout") == [["100ms"]])
        try waiter.begin()
        let (error, elapsed) = measure {
            #expect(throws: DatabaseError.self) { try waiter.execute("LOCK TABLE \(table)") }
        }
        waiter.rollback()
        #expect(error?.sqlstate == "55P03")
        #expect(error?.isTransient == true)
        #expect(elapsed < .seconds(2))
    }

    @Test func aTerminatedSessionIsALostConnectionAndTransient() throws {
        let victim = try TestDatabase.connect()
        let killer = try TestDatabase.connect()
        defer {
            victim.close()
            killer.close()
        }
        let pid = try #require(try victim.query("SELECT pg_backend_pid()").first?.first ?? nil)
        #expect(try killer.query("SELECT pg_terminate_backend($1::int)", [pid]) == [["t"]])
        let error = #expect(throws: DatabaseError.self) { try victim.query("SELECT 1") }
        #expect(error?.kind == .connection)
        #expect(error?.isTransient == true)
        #expect(error?.message.isEmpty == false)
    }

    @Test func setParameterBindsAndReportsUnknownNames() throws {
        let connection = try TestDatabase.connect()
        defer { connection.close() }
        try connection.setParameter("statement_timeout", "5s")
        #expect(try connection.query("SHOW statement_timeout") == [["5s"]])
        let error = #expect(throws: DatabaseError.self) { try connection.setParameter("no_such_setting", "1") }
        #expect(error?.sqlstate == "42704")
    }

    @Test func misuseIsAClientError() throws {
        let connection = try TestDatabase.connect()
        let nul = #expect(throws: DatabaseError.self) { try connection.execute("SELECT $1::text", ["a\u{0}b"]) }
        #expect(nul?.kind == .client)
        let twoStatements = #expect(throws: DatabaseError.self) { try connection.execute("SELECT 1; SELECT 2", []) }
        #expect(twoStatements?.sqlstate == "42601")
        let copy = #expect(throws: DatabaseError.self) { try connection.execute("COPY (SELECT 1) TO STDOUT") }
        #expect(copy?.kind == .client)
        #expect(try connection.query("SELECT 'still usable'") == [["still usable"]])
        connection.close()
        connection.close()
        let closed = #expect(throws: DatabaseError.self) { try connection.query("SELECT 1") }
        #expect(closed?.kind == .client)
    }

    @Test func theDatabaseURLConnectsToo() throws {
        let text = try #require(TestDatabase.url)
        let connection = try DatabaseURL.parse(text, relativeTo: "/").connect(timeout: .seconds(5))
        defer { connection.close() }
        #expect(connection.dialect == .postgres)
        #expect(try connection.query("SELECT current_setting('application_name')") == [["prestart"]])
    }
}

/// Connection failures need no server: they are checked everywhere.
@Suite(.timeLimit(.minutes(1)))
struct PostgresConnectFailureTests {
    @Test func aMissingSocketFailsAtOnceWithLibpqsWords() throws {
        let folder = try TemporaryDirectory()
        let (error, elapsed) = measure {
            #expect(throws: DatabaseError.self) {
                try PostgresConnection.connect(
                    conninfo: "host=\(folder.path) port=5999",
                    connectTimeout: .milliseconds(200)
                )
            }
        }
        #expect(error?.kind == .connection)
        #expect(error?.isTransient == true)
        #expect(
            error?.message.contains("connection to server on socket \"\(folder.path)/.s.PGSQL.5999\" failed") == true
        )
        #expect(error?.message.contains("No such file or directory") == true)
        #expect(error?.message.contains("\n") == false)
        #expect(elapsed < .milliseconds(500))
    }

    @Test func aClosedTCPPortIsRefused() throws {
        let port = try closedPort()
        let (error, elapsed) = measure {
            #expect(throws: DatabaseError.self) {
                try PostgresConnection.connect(
                    conninfo: "postgresql://u@127.0.0.1:\(port)/db",
                    connectTimeout: .milliseconds(200)
                )
            }
        }
        #expect(error?.message.contains("Connection refused") == true)
        #expect(elapsed < .milliseconds(500))
    }

    /// A listener that never answers: libpq waits for the server's reply, and only the deadline ends the wait.
    @Test func aSilentServerTimesOutOnTheRequestedDeadline() throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let (error, elapsed) = measure {
            #expect(throws: DatabaseError.self) {
                try PostgresConnection.connect(
                    conninfo: "host=127.0.0.1 port=\(listener.port) connect_timeout=30",
                    connectTimeout: .milliseconds(200)
                )
            }
        }
        #expect(error?.kind == .connection)
        #expect(error?.isTransient == true)
        #expect(
            error?.message == "connection to server at \"127.0.0.1\", port \(listener.port) failed: "
                + "timeout expired after 200 ms"
        )
        #expect(elapsed >= .milliseconds(190))
        #expect(elapsed < .milliseconds(600))
    }

    /// A port nothing listens on: bound, then closed without listening.
    private func closedPort() throws -> UInt16 {
        let listener = try SilentListener()
        let port = listener.port
        listener.close()
        return port
    }
}

/// A TCP socket on 127.0.0.1 that listens but never accepts: the kernel completes the handshake, nobody replies.
final class SilentListener {
    private var descriptor: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(fd, address, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard ready else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw TestFailure("bind/listen: \(message)")
        }
        descriptor = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() {
        if descriptor >= 0 {
            Glibc.close(descriptor)
            descriptor = -1
        }
    }

    deinit { close() }
}

import Testing

@testable import PrestartDatabase

/// A failed connection's SQLSTATE comes from libpq's verbose error message (there is no PGresult to ask).
struct ConnectionFailureSQLStateTests {
    @Test(arguments: [
        (
            "connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  28000: Peer authentication failed for user \"app\"\nLOCATION:  auth_failed, auth.c:326\n",
            "connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  Peer authentication failed for user \"app\"\n",
            "28000"
        ),
        (
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01: la authentification par mot de passe a échoué\nLOCATION:  auth_failed, auth.c:326\n",
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  la authentification par mot de passe a échoué\n",
            "28P01"
        ),
        (
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n",
            "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?\n",
            nil
        ),
    ] as [(String, String, String?)])
    func theServersCodeIsReadAndTheMessageKeepsItsDefaultWords(verbose: String, message: String, code: String?) {
        let (parsed, sqlstate) = PostgresConnection.serverSQLState(inVerbose: verbose)
        #expect(parsed == message)
        #expect(sqlstate?.rawValue == code)
    }
}

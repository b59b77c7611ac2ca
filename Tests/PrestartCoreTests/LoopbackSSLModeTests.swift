import Testing

@testable import PrestartDatabase

/// Over loopback prestart skips libpq's SSLRequest round trip (`sslmode=allow`), and only there, and never over a
/// choice the user made.
struct LoopbackSSLModeTests {
    @Test(arguments: [
        ("postgresql://app:pw@127.0.0.1:5432/app", [:], true),
        ("postgresql://app:pw@localhost/app", [:], true),
        ("postgresql://app:pw@[::1]:5432/app", [:], true),
        ("host=127.0.0.2 dbname=app", [:], true),
        ("host=localhost,/run/postgresql dbname=app", [:], true),
        ("hostaddr=127.0.0.1 host=db.example.com dbname=app", [:], true),
        ("", ["PGHOST": "127.0.0.1"], true),
        // Another machine, or a name that may resolve to one.
        ("postgresql://app:pw@db.example.com/app", [:], false),
        ("postgresql://app:pw@10.0.0.5/app", [:], false),
        ("host=localhost,db.example.com dbname=app", [:], false),
        ("hostaddr=10.0.0.5 host=localhost dbname=app", [:], false),
        ("postgresql://app:pw@[::2]/app", [:], false),
        // The user chose: in the URL, the environment, or a service file.
        ("postgresql://app:pw@127.0.0.1/app?sslmode=require", [:], false),
        ("host=127.0.0.1 sslmode=prefer dbname=app", [:], false),
        ("postgresql://app:pw@127.0.0.1/app", ["PGSSLMODE": "require"], false),
        ("service=app", [:], false),
        ("postgresql://app:pw@127.0.0.1/app?channel_binding=require", [:], false),
        ("host=127.0.0.1 sslcert=/etc/app/client.crt dbname=app", [:], false),
        ("postgresql://app:pw@127.0.0.1/app", ["PGCHANNELBINDING": "require"], false),
        ("postgresql://app:pw@127.0.0.1/app", ["PGSSLROOTCERT": "/etc/ca.crt"], false),
        ("postgresql://app:pw@127.0.0.1/app", ["PGSERVICE": "app"], false),
        // A Unix socket never uses TLS: nothing to skip.
        ("host=/run/postgresql dbname=app", [:], false),
        ("", [:], false),
    ])
    func sslRequestIsSkippedOnlyOverLoopbackAndOnlyWhenNothingChose(
        conninfo: String, environment: [String: String], skipped: Bool
    ) throws {
        guard case .success(let pq) = LibPQ.library else {
            Issue.record("libpq cannot be opened")
            return
        }
        let mode = PostgresConnection.loopbackSSLMode(for: conninfo, pq, environment: { environment[$0] })
        #expect((mode?.value == "allow") == skipped)
    }
}

import PrestartTestSupport
import Testing

@testable import PrestartDatabase

/// The ledger lock's release sends its unlock and NOTIFY and closes the session without waiting for the answer:
/// the statement must still run and commit, every time.
@Suite(.enabled(if: TestDatabase.shouldRun))
struct SendAndCloseTests {
    @Test func theStatementRunsAndCommitsThoughItsAnswerIsNeverRead() throws {
        let database = try TestDatabase.createDatabase()
        let listener = try TestDatabase.connect(to: database.name)
        defer { listener.close() }
        try listener.execute("CREATE TABLE released (run int)")
        try listener.execute("LISTEN prestart_send_and_close")
        for run in 1...10 {
            let holder = try TestDatabase.connect(to: database.name)
            try holder.execute("SELECT pg_advisory_lock(4711)")
            holder.sendAndClose(
                "WITH unlocked AS (SELECT pg_advisory_unlock(4711), pg_notify('prestart_send_and_close', '')) "
                    + "INSERT INTO released SELECT $1::int FROM unlocked",
                [String(run)])
            // NOTIFY is delivered at commit: the notification says the transaction committed.
            #expect(listener.waitForNotification(timeout: .seconds(5)), "run \(run)")
        }
        #expect(try listener.query("SELECT count(*) FROM released", []) == [["10"]])
    }
}

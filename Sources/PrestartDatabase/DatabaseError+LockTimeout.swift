extension DatabaseError {
    /// PostgreSQL's `55P03` says only "canceling statement due to lock timeout". Once the statement has
    /// failed (and its transaction rolled back) this asks the server which other sessions hold locks on
    /// tables, longest transaction first, and names them in the hint: the table, the pid, the
    /// application and how long its transaction has been open.
    public func explainingLockTimeout(on connection: any DatabaseConnection) -> DatabaseError {
        guard sqlstate == .lockNotAvailable, connection.dialect == .postgres else { return self }
        let rows = try? connection.query(
            """
            SELECT c.relname, a.pid, coalesce(nullif(a.application_name, ''), a.usename, '?'),
                   extract(epoch FROM now() - a.xact_start)::bigint
              FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.granted AND l.locktype = 'relation' AND a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL
               AND c.relkind IN ('r', 'p') AND c.relnamespace <> 'pg_catalog'::regnamespace
             ORDER BY 4 DESC, 1 LIMIT 5
            """)
        guard let rows, !rows.isEmpty else { return self }
        let holders = rows.map { row in
            "\(row[0] ?? "?") by pid \(row[1] ?? "?") (\(row[2] ?? "?"), transaction open for \(row[3] ?? "?") s)"
        }
        var explained = self
        explained.hint = [hint, "Locks held by other sessions: " + holders.joined(separator: "; ") + "."]
            .compactMap { $0 }.joined(separator: " ")
        return explained
    }
}

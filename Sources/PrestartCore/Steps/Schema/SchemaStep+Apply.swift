import Logging
import PrestartDatabase
import PrestartLint
import PrestartSystem

extension SchemaStep {
    /// `drift = "apply"`: applies the safe changes, columns first, then indexes, then constraints, each statement as
    /// ``SchemaDiff`` wrote it (a transaction of its own, or none for an index built concurrently), under the
    /// session's `lock_timeout`, and records each change, and each table this run created, as one `applied` row in
    /// the ledger (`STEP/column user.phone`, the SHA-256 of its statements). Runs under the run's lock, so replicas
    /// apply each change once: the next one finds nothing left to do.
    ///
    /// Every change is one the next start would find again if it did not happen: after a failure or a kill nothing
    /// blocks later runs, and an index whose concurrent build was interrupted (left `INVALID`) is dropped and built
    /// again. Returns what it applied, and the failed attempt when a change failed.
    func apply(
        _ changes: [SchemaChange], of outcome: Outcome, step: Step, context: StepContext, database: RunDatabase
    ) async -> (applied: [String], failure: Attempt?) {
        let safe = changes.filter(\.isSafe).enumerated().sorted { ($0.element.phase, $0.offset) < ($1.element.phase, $1.offset) }
            .map(\.element)
        guard !safe.isEmpty || !outcome.created.isEmpty else { return ([], nil) }
        let ledger = database.ledger
        do throws(LedgerError) {
            try await ledger.open(for: step.name)
        } catch {
            return ([], .notLocked(error, waitingFor: "the ledger"))
        }
        var applied: [String] = []
        for (table, checksum) in outcome.created {
            if let failure = await record("table \(table)", checksum: checksum, [], step: step, context: context, ledger: ledger) {
                return (applied, failure)
            }
            applied.append("table \(table)")
        }
        let metadata: Logger.Metadata = ["step": "\(step.name)"]
        for change in safe {
            guard case .safe(let statements) = change.remedy else { continue }
            let checksum = Checksum.sha256(statements.map(\.sql).joined(separator: ";\n"))
            let start = ContinuousClock.now
            if let failure = await record(
                change.subject, checksum: checksum, statements, step: step, context: context, ledger: ledger)
            {
                return (applied, failure)
            }
            applied.append(change.subject)
            let locks = statements.compactMap { ddl in ddl.lock.map { "\($0.name), \(ddl.holds)" } }
            let text =
                "applied \(change.subject) in \((ContinuousClock.now - start).milliseconds) ms: "
                + statements.map(\.sql).joined(separator: "; ") + (locks.isEmpty ? "" : " (\(locks.joined(separator: "; ")))")
            context.logger.info("\(text)", metadata: metadata)
        }
        return (applied, nil)
    }

    /// Runs `statements` and writes the change's `applied` row: in the last statement's transaction when it has
    /// one, else right after it.
    private func record(
        _ subject: String, checksum: String, _ statements: [SchemaChange.DDL], step: Step, context: StepContext,
        ledger: Ledger
    ) async -> Attempt? {
        let unit = "\(step.name)/\(subject)"
        let application: Ledger.Application
        do throws(LedgerError) {
            // Recorded as transactional even for an index built outside a transaction: what a failure or a kill leaves
            // (an INVALID index, a NOT VALID constraint) is found and finished by the next start, so nothing blocks.
            application = try await ledger.begin(unit, step: step.name, checksum: checksum, transactional: true)
        } catch {
            return .failed("\(unit): cannot write the ledger: \(error)")
        }
        let row = ledger.appliedRow(application, dialect: script.dialect)
        let call = await ledger.withSession(timeout: step.timeout) { connection throws(DatabaseError) in
            for (index, statement) in statements.enumerated() {
                let last = index == statements.count - 1
                do throws(DatabaseError) {
                    if statement.transactional {
                        try connection.executeTransaction([(statement.sql, [])] + (last ? [row] : []))
                        continue
                    }
                    try connection.execute(statement.sql)
                } catch {
                    // A concurrent build that failed (a duplicate for a unique index, a lock timeout) leaves an
                    // INVALID index behind: dropped now, so nothing is left half-done (the next start would). Only
                    // that one: the name may belong to another table's index (42P07), which is not prestart's.
                    if let built = statement.builds, Self.isInvalid(built, connection) {
                        _ = try? connection.execute("DROP INDEX CONCURRENTLY IF EXISTS \(SchemaDiff.quote(built.index))")
                    }
                    throw error.explainingLockTimeout(on: connection)
                }
                if last { try connection.execute(row.sql, row.parameters) }
            }
            if statements.isEmpty { try connection.execute(row.sql, row.parameters) }
        }
        switch (call.result, call.stopped) {
        case (.success, _):
            do throws(LedgerError) {
                try await ledger.finish(application)
            } catch {
                return .failed("\(unit): cannot write the ledger: \(error)")
            }
            return nil
        case (.failure, let reason?):
            let attempt = Attempt.stopped(reason, timeout: step.timeout)
            await ledger.fail(application, error: attempt.error ?? "stopped", keepingApplied: false)
            return attempt
        case (.failure(let error), nil):
            let message = "\(unit): \(error)"
            await ledger.fail(application, error: context.redact(message), keepingApplied: false)
            return .failed(message, transient: error.isTransient)
        }
    }

    private static func isInvalid(_ built: SchemaChange.IndexOnTable, _ connection: any DatabaseConnection) -> Bool {
        let rows = try? connection.query(
            """
            SELECT 1 FROM pg_index WHERE indexrelid = to_regclass(quote_ident($1))
               AND indrelid = to_regclass(quote_ident($2)) AND NOT indisvalid
            """, [built.index, built.table])
        return rows?.isEmpty == false
    }
}

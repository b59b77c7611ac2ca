import ArgumentParser
import Logging
import PrestartCore

extension Prestart {
    struct SchemaDiff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema-diff",
            abstract: "Print the migration for the differences a schema step does not apply: SQL to review and save in migrations/.",
            discussion: """
                Compares the database with the step's schema file the way `up` does. With drift = "apply" the file \
                holds what `up` leaves alone (a type change, a column that became NOT NULL, …), with the \
                expand/contract steps where the safe way needs several; otherwise every difference. Read-only: \
                takes no lock and creates nothing. Prints nothing when nothing is left to migrate.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The schema step.")
        var step: String

        func run() async throws {
            let invocation = options.invocation()
            do {
                let config = try invocation.loadConfig(explicit: options.config, use: .inspect(needsDatabase: true))
                let migration = try await invocation.schemaDiff(config, step: step)
                if migration.changes.isEmpty {
                    invocation.logger.info("\(step): nothing to migrate: the database has what \(migration.file) declares, or `up` applies it")
                } else {
                    print(migration.text, terminator: "")
                }
            } catch {
                throw ExitCode(invocation.fail(error))
            }
        }
    }
}

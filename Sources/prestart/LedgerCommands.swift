import ArgumentParser
import PrestartCore
import PrestartSystem

extension Prestart {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show what `up` would do: each step, and each once-only unit as pending, applied, changed or blocked.",
            discussion: "Read-only: takes no lock and creates nothing. Exits 65 when `up` would stop on the ledger."
        )

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let session = options.session()
            do {
                let config = try session.loadConfig(explicit: options.config)
                let code = await session.plan(config)
                if code != 0 { throw ExitCode(code) }
            } catch let error as ConfigError {
                throw ExitCode(session.fail(error))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Print the ledger: what ran, when, where, with which checksum and outcome."
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Print the rows as a JSON array.")
        var json = false

        func run() async throws {
            let session = options.session()
            do {
                let config = try session.loadConfig(explicit: options.config)
                let code = await session.status(config, json: json)
                if code != 0 { throw ExitCode(code) }
            } catch let error as ConfigError {
                throw ExitCode(session.fail(error))
            }
        }
    }

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Repair a once-only unit that failed or was killed half-way.",
            discussion: """
                Check the data first. --mark-applied records the unit as done, so it never runs again; --forget \
                removes its row, so the next run applies it again.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The unit: a step name, or STEP/FILE for a migration file.")
        var unit: String

        @Flag(help: "Record the unit as applied.")
        var markApplied = false

        @Flag(help: "Forget the unit, so it runs again.")
        var forget = false

        func validate() throws {
            guard markApplied != forget else {
                throw ValidationError("give exactly one of --mark-applied and --forget")
            }
        }

        func run() async throws {
            let session = options.session()
            do {
                let config = try session.loadConfig(explicit: options.config)
                let code = await session.resolve(config, unit: unit, markApplied: markApplied)
                if code != 0 { throw ExitCode(code) }
            } catch let error as ConfigError {
                throw ExitCode(session.fail(error))
            }
        }
    }
}

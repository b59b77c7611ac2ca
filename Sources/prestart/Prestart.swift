public import ArgumentParser
import Glibc
import Logging
import PrestartCore
import PrestartSystem

struct Prestart: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prestart",
        abstract: "Wait for the database, create the schema, seed, migrate, then become the app.",
        version: PrestartVersion.current,
        subcommands: [Up.self, Run.self, Plan.self, Status.self, Check.self, Graph.self, Resolve.self, SchemaDiff.self]
    )
}

extension LogFormat: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

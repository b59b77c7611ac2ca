import ArgumentParser
import Logging
import PrestartCore
import PrestartSystem

extension Prestart {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the config, its files and the step graph without touching any database."
        )

        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let session = options.session()
            do {
                let config = try session.loadConfig(explicit: options.config)
                session.logger.info("\(config.file): \(config.steps.count) steps, configuration valid")
                await session.checkAlembicFolders(config)
            } catch {
                throw ExitCode(session.fail(error))
            }
        }
    }
}

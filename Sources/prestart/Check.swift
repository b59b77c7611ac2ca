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
            let invocation = options.invocation()
            do {
                let result = try await invocation.check(explicit: options.config)
                invocation.logger.info("\(result.file): \(result.stepCount) steps, configuration valid")
                for finding in result.findings {
                    invocation.logger.log(level: finding.level, "\(finding.message)", metadata: ["step": "\(finding.step)"])
                }
            } catch {
                throw ExitCode(invocation.fail(error))
            }
        }
    }
}

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

        @Flag(help: "Exit 1 on any warning: a variable that is not set here, or a finding.")
        var strict = false

        func run() async throws {
            let invocation = options.invocation()
            let result: CheckResult
            do {
                result = try await invocation.check(explicit: options.config)
                invocation.logger.info("\(result.file): \(result.stepCount) steps, configuration valid")
                for unset in result.unset {
                    invocation.logger.warning("\(unset) (`up` would stop here with exit 78)")
                }
                for finding in result.findings {
                    invocation.logger.log(level: finding.level, "\(finding.message)", metadata: ["step": "\(finding.step)"])
                }
            } catch {
                throw ExitCode(invocation.fail(error))
            }
            let code = ExitStatus.code(for: result, strict: strict)
            if code != ExitStatus.success { throw ExitCode(code) }
        }
    }
}

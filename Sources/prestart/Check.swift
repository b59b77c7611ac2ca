import ArgumentParser
import Logging
import PrestartCore
import PrestartLint
import PrestartSystem

extension Prestart {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate the config, its files and the step graph without touching any database."
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Exit 1 on any warning: a variable that is not set here, a finding, a lint warning (FILE:LINE:COL: RULE: message).")
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
            // Lint findings on stdout, one per line, for editors and CI to annotate; the summary goes to the log.
            let lines = LintRendering.findings(result.lint)
            if !lines.isEmpty { print(lines.joined(separator: "\n")) }
            if !result.lint.isEmpty {
                invocation.logger.info("\(LintRendering.summary(result.lint, serverVersion: result.lintServerVersion))")
            }
            let code = ExitStatus.code(for: result, strict: strict)
            if code != ExitStatus.success { throw ExitCode(code) }
        }
    }
}

import ArgumentParser
import PrestartCore
import PrestartDatabase
import PrestartSystem

extension Prestart {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the named steps now, on-demand ones included, with what they come after."
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The steps to run; STEP/FILE runs one migration file of a migrations step.")
        var steps: [String]

        @Flag(help: "Run only the named steps, not the steps they come after.")
        var noDeps = false

        @Flag(help: "Run once-only steps and units even when the ledger says they were applied.")
        var force = false

        @Option(help: "Write a JSON report here on every exit path (default: $PRESTART_REPORT).")
        var report: String?

        func run() async throws {
            let invocation = options.invocation(reportPath: report)
            let selection: [Step]
            let config: Config
            do {
                config = try invocation.loadConfig(explicit: options.config)
                try invocation.checkReportPath()
                selection = try StepGraph(config.steps).selection(forRun: steps, withDependencies: !noDeps)
            } catch {
                throw ExitCode(invocation.fail(error))
            }
            let result = await invocation.run(selection, of: config, force: force)
            let code = ExitStatus.code(for: result)
            if code != 0 { throw ExitCode(code) }
        }
    }
}

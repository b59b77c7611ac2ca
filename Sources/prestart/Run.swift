import ArgumentParser
import PrestartCore

extension Prestart {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run the named steps now, on-demand ones included, with what they come after."
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The steps to run.")
        var steps: [String]

        @Flag(help: "Run only the named steps, not the steps they come after.")
        var noDeps = false

        @Option(help: "Write a JSON report here on every exit path (default: $PRESTART_REPORT).")
        var report: String?

        func run() async throws {
            let session = options.session(reportPath: report)
            let selection: [Step]
            let config: Config
            do {
                config = try session.loadConfig(explicit: options.config)
                let graph = StepGraph(config.steps)
                for name in steps where graph.step(named: name) == nil {
                    throw UsageError("no step named \(name) (steps: \(config.steps.map(\.name).joined(separator: ", ")))")
                }
                selection = graph.selection(named: steps, withDependencies: !noDeps)
            } catch {
                throw ExitCode(session.fail(error))
            }
            let result = await session.run(selection, of: config)
            let code = ExitStatus.code(for: result)
            if code != 0 { throw ExitCode(code) }
        }
    }
}

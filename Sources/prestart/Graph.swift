public import ArgumentParser
import Glibc
import PrestartCore

extension Prestart {
    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "graph",
            abstract: "Print the step graph as Mermaid or Graphviz dot."
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "mermaid or dot.")
        var format: StepGraph.Format = .mermaid

        func run() async throws {
            let session = options.session()
            do {
                let config = try session.loadConfig(explicit: options.config)
                print(StepGraph(config.steps).render(format), terminator: "")
            } catch {
                throw ExitCode(session.fail(error))
            }
        }
    }
}

extension StepGraph.Format: ExpressibleByArgument {}

public import ArgumentParser
import Glibc
import PrestartCore
import PrestartSystem

extension Prestart {
    struct Graph: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "graph",
            abstract: "Print the step graph as Mermaid or Graphviz dot, or a run's report as a Mermaid Gantt chart."
        )

        @OptionGroup var options: GlobalOptions

        @Option(help: "mermaid or dot.")
        var format: StepGraph.Format = .mermaid

        @Option(help: "Draw the run a --report file describes, as a Mermaid Gantt chart, instead of the graph.")
        var report: String?

        func run() async throws {
            let invocation = options.invocation()
            if let report {
                do {
                    print(try Report.gantt(fromJSON: FileSystem.readText(atPath: report)), terminator: "")
                } catch {
                    throw ExitCode(invocation.fail(UsageError("\(report): \(error)")))
                }
                return
            }
            do {
                let config = try invocation.loadConfig(explicit: options.config, use: .inspect(needsDatabase: false))
                print(StepGraph(config.steps).render(format), terminator: "")
            } catch {
                throw ExitCode(invocation.fail(error))
            }
        }
    }
}

extension StepGraph.Format: ExpressibleByArgument {}

import ArgumentParser
import Glibc
import Logging
import PrestartCore
import PrestartSystem

/// Flags every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "The config file (default: $PRESTART_CONFIG, then ./prestart.toml).")
    var config: String?

    @Option(help: "text or json (default: text on a terminal or systemd's journal, json otherwise).")
    var logFormat: LogFormat?

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    /// Sets up logging and returns the invocation every command works in.
    func invocation(reportPath: String? = nil) -> Invocation {
        // The journal keeps its own time and parses no JSON: text there, each line with its priority.
        let journal = JournalStream.isConnected(2, environment: .current)
        let format = logFormat ?? (isatty(2) == 1 || journal ? .text : .json)
        let level = logLevel
        LoggingSystem.bootstrap { _ in ConsoleLogHandler(format: format, level: level, journal: journal) }
        return Invocation(environment: .current, logger: Logger(label: "prestart"), reportPath: reportPath)
    }
}

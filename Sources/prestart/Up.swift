import ArgumentParser
import Glibc
import Logging
import PrestartCore
import PrestartDatabase
import PrestartSystem

extension Prestart {
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up",
            abstract: "Run every step that is not on-demand, then start the app (if one is given).",
            discussion: """
                The app comes from the arguments after `--`, else from `[app] command`. Without one, prestart \
                exits after the steps: the form for systemd's ExecStartPre= and Kubernetes init containers. \
                As PID 1 prestart supervises the app (forwards signals, reaps zombies, exits with its status); \
                otherwise it execs it. --supervise and --exec choose explicitly.

                --no-app, or PRESTART_NO_APP=1 in the environment, runs the steps and exits with their status \
                whatever `[app]` says, with the same config the app container uses: the form for init \
                containers and ExecStartPre=. An app after `--` together with --no-app is a usage error (64). \
                PRESTART_NO_APP=1 is for images whose entrypoint is fixed (ENTRYPOINT ["prestart", "up", "--"] \
                with a CMD): there the app after `--` and --supervise/--exec are ignored, with a log line. \
                It takes 1, true or yes (on) and 0, false, no or empty (off); anything else is a usage error.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Option(name: .customLong("skip"), help: "A step to leave out (repeatable); its dependents still run.")
        var skipped: [String] = []

        @Option(help: "Write a JSON report here on every exit path (default: $PRESTART_REPORT).")
        var report: String?

        @Flag(help: "Stay as the app's parent: forward signals, reap zombies, exit with its status (default as PID 1).")
        var supervise = false

        @Flag(help: "Become the app with execve (default unless PID 1).")
        var exec = false

        @Flag(help: "Run the steps and exit with their status, whatever [app] says (also: $PRESTART_NO_APP=1).")
        var noApp = false

        @Argument(parsing: .postTerminator, help: "The app to start after the steps.")
        var app: [String] = []

        func validate() throws {
            if supervise && exec { throw ValidationError("--supervise and --exec cannot be combined") }
            if noApp && (supervise || exec) {
                throw ValidationError("--no-app starts no app, so it cannot be combined with --supervise or --exec")
            }
            if noApp && !app.isEmpty {
                throw ValidationError(
                    "--no-app runs the steps only, but an app was given after `--`: \(app.joined(separator: " "))")
            }
            _ = try Self.noAppFromEnvironment(Environment.current)
        }

        /// `PRESTART_NO_APP`: 1, true or yes turn steps-only on; unset, empty, 0, false or no leave it off.
        /// Anything else is a usage error rather than a guess, since guessing wrong starts (or skips) the app.
        static func noAppFromEnvironment(_ environment: Environment) throws(ValidationError) -> Bool {
            guard let value = environment["PRESTART_NO_APP"] else { return false }
            switch value.lowercased() {
            case "1", "true", "yes": return true
            case "", "0", "false", "no": return false
            default:
                throw ValidationError("PRESTART_NO_APP=\(value): expected 1, true or yes (on), or 0, false, no or empty (off)")
            }
        }

        func run() async throws {
            let invocation = options.invocation(reportPath: report)
            let config: Config
            do {
                config = try invocation.loadConfig(explicit: options.config)
                try invocation.checkReportPath()
                for name in skipped where config.step(named: name) == nil {
                    throw UsageError("--skip \(name): no such step (steps: \(config.steps.map(\.name).joined(separator: ", ")))")
                }
            } catch {
                throw ExitCode(invocation.fail(error))
            }
            let steps = StepGraph(config.steps).selectionForUp()
            let result = await invocation.run(steps, of: config, skipping: Set(skipped))
            let code = ExitStatus.code(for: result)
            guard code == 0 else { throw ExitCode(code) }
            if noApp { return }
            // validate() has refused a value it cannot read, so `try?` only sees "1"/"0" and friends here.
            if (try? Self.noAppFromEnvironment(invocation.environment)) == true {
                // A fixed entrypoint (`prestart up -- CMD`) still passes its CMD: steps only means it is not started.
                let ignored = app.isEmpty ? "" : ": not starting \(app.joined(separator: " "))"
                invocation.logger.info("PRESTART_NO_APP is set: the steps only\(ignored)")
                return
            }

            let argv: [String]
            var environment = invocation.environment
            let workdir: String
            if !app.isEmpty {
                argv = app
                workdir = FileSystem.currentDirectory
            } else if let configured = config.app {
                argv = configured.command
                workdir = configured.workdir
                for (name, value) in configured.environment { environment[name] = value }
            } else {
                return
            }
            // A signal that came after the steps finished still means "do not start".
            if let signal = SignalRelay.shared.received { throw ExitCode(ExitStatus.signal(signal)) }
            if supervise || (!exec && getpid() == 1) {
                let supervisor = Supervisor(
                    argv: argv, environment: environment, workdir: workdir,
                    notifier: SystemdNotifier(environment: invocation.environment), logger: invocation.logger)
                let outcome = await BlockingThread.run { supervisor.run() }
                let code = invocation.finish(result, app: argv, outcome)
                // The report is written: now prestart may die as the app did.
                if case .success(let exit) = outcome,
                    let number = ExitStatus.signalToEndBy(forApp: exit.termination, isPID1: getpid() == 1)
                {
                    SignalRelay.endBySignal(number)
                }
                throw ExitCode(code)
            }
            invocation.logger.info("exec \(argv.joined(separator: " "))")
            let error = AppLauncher.exec(argv: argv, environment: environment, workdir: workdir)
            throw ExitCode(invocation.finish(result, app: argv, .failure(error)))
        }
    }
}

import ArgumentParser
import Logging
import PrestartCore
import PrestartLint
import PrestartSystem

extension Prestart {
    struct Plan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Show what `up` would do: each step, and each once-only unit as pending, applied, changed or blocked.",
            discussion: "Read-only: takes no lock and creates nothing. Exits 65 when `up` would stop on the ledger."
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Print the plan, the pending SQL's locks and its lint findings as one JSON object.")
        var json = false

        func run() async throws {
            let invocation = options.invocation()
            do {
                let config = try invocation.loadConfig(explicit: options.config, use: .inspect(needsDatabase: true))
                for unset in config.unset {
                    invocation.logger.warning("\(unset) (`up` would stop here with exit 78)")
                }
                let plan = try await invocation.plan(config)
                if json {
                    let steps = plan.lines.map { JSON.object([("name", .string($0.name)), ("text", .string($0.text))]) }
                    print(
                        JSON.object([
                            ("steps", .array(steps)), ("blocked", .bool(plan.blocked)),
                            ("server_version", plan.lintServerVersion.map { .int(Int64($0)) } ?? .null),
                            ("units", LintRendering.json(plan.lint)),
                        ]).serialized())
                } else {
                    let width = plan.lines.map(\.name.count).max() ?? 0
                    let lines = plan.lines.map { $0.name.padding(to: width) + "  " + $0.text }
                        + LintRendering.lockTable(plan.lint, serverVersion: plan.lintServerVersion)
                    print(lines.joined(separator: "\n"))
                }
                if plan.blocked { throw ExitCode(ExitStatus.ledgerConflict) }
            } catch let exit as ExitCode {
                throw exit
            } catch {
                throw ExitCode(invocation.fail(error))
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Print the ledger: what ran, when, where, with which checksum and outcome."
        )

        @OptionGroup var options: GlobalOptions

        @Flag(help: "Print the rows as a JSON array.")
        var json = false

        func run() async throws {
            let invocation = options.invocation()
            do {
                let config = try invocation.loadConfig(explicit: options.config, use: .inspect(needsDatabase: true))
                let status = try await invocation.status(config, rowsOnly: json)
                if json {
                    print(JSON.array(status.entries.map(\.json)).serialized())
                } else {
                    print(Self.render(status), terminator: "")
                }
            } catch {
                throw ExitCode(invocation.fail(error))
            }
        }
    
        /// The step lines, then the rows as a table.
        static func render(_ status: LedgerStatus) -> String {
            var lines = status.stepLines
            guard !status.entries.isEmpty else {
                lines.append("the ledger is empty: no once-only work has run on this database")
                return lines.map { $0 + "\n" }.joined()
            }
            // Where each unit came from, once any row was adopted from another tool's ledger.
            let origins = status.entries.contains { $0.adopted != nil }
            var header = ["NAME", "STATUS", "FINISHED", "DURATION", "HOST", "CHECKSUM"]
            if origins { header.append("FROM") }
            let rows = [header]
                + status.entries.map { entry -> [String] in
                    var row: [String] = [
                        entry.name, entry.status.rawValue, entry.finishedAt ?? "-",
                        entry.durationMilliseconds.map { "\($0) ms" } ?? "-", entry.host,
                        entry.checksum.map { String($0.prefix(12)) } ?? "-",
                    ]
                    if origins { row.append(entry.adopted.map { "adopted from \($0)" } ?? "prestart") }
                    return row
                }
            let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
            for row in rows {
                lines.append(zip(row, widths).map { $0.padding(to: $1) }.joined(separator: "  ").trimmingWhitespace())
            }
            return lines.map { $0 + "\n" }.joined()
        }
}

    struct Resolve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "resolve",
            abstract: "Repair a once-only unit that failed or was killed half-way.",
            discussion: """
                Check the data first. --mark-applied records the unit as done, so it never runs again; --forget \
                removes its row, so the next run applies it again. A unit that is applied is refused (exit 64) \
                unless --force is given.
                """
        )

        @OptionGroup var options: GlobalOptions

        @Argument(help: "The unit: a step name, or STEP/FILE for a migration file.")
        var unit: String

        @Flag(help: "Record the unit as applied.")
        var markApplied = false

        @Flag(help: "Forget the unit, so it runs again.")
        var forget = false

        @Flag(help: "Also repair a unit that is applied (forgetting it runs its work again); logged with who and when.")
        var force = false

        func validate() throws {
            guard markApplied != forget else {
                throw ValidationError("give exactly one of --mark-applied and --forget")
            }
        }

        func run() async throws {
            let invocation = options.invocation()
            do {
                let config = try invocation.loadConfig(explicit: options.config)
                _ = try await invocation.resolve(config, unit: unit, markApplied: markApplied, force: force)
            } catch {
                throw ExitCode(invocation.fail(error))
            }
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}

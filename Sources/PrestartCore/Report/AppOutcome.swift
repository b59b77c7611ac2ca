public import PrestartSystem

/// The app in the report: written again when a supervised app ends, so the report ends as prestart does.
public struct AppOutcome: Sendable {
    public var command: [String]
    public var exit: AppExit?
    /// Why it did not start.
    public var error: String?

    public init(command: [String], exit: AppExit? = nil, error: String? = nil) {
        self.command = command
        self.exit = exit
        self.error = error
    }

    var json: JSON {
        var members: [(String, JSON)] = [("command", .array(command.map { .string($0) }))]
        if let exit {
            members += [
                ("pid", .int(Int64(exit.pid))),
                ("started_at", .string(exit.startedAt.iso8601)),
                ("duration_ms", .int(exit.duration.milliseconds)),
                ("exit_code", .int(Int64(ExitStatus.code(forApp: exit.termination)))),
                ("ended", .string(exit.termination.description)),
            ]
        }
        if let error { members.append(("error", .string(error))) }
        return .object(members)
    }
}

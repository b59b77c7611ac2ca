public import PrestartSystem

/// The JSON document `--report FILE` writes on every exit path.
public struct Report: Sendable {
    public enum Status: String, Sendable {
        case succeeded, failed, interrupted
        case configError = "config-error"
        case usageError = "usage-error"
    }

    public var status: Status
    public var exitCode: Int32
    public var failedStep: String?
    /// For failures outside any step: a config error, a usage error, a signal.
    public var error: String?
    public var startedAt: WallClock?
    public var duration: Duration?
    public var steps: [StepOutcome]
    /// The app after the steps: how it ended (supervise mode), or why it did not start.
    public var app: AppOutcome?

    public init(
        status: Status, exitCode: Int32, failedStep: String? = nil, error: String? = nil,
        startedAt: WallClock? = nil, duration: Duration? = nil, steps: [StepOutcome] = []
    ) {
        self.status = status
        self.exitCode = exitCode
        self.failedStep = failedStep
        self.error = error
        self.startedAt = startedAt
        self.duration = duration
        self.steps = steps
    }

    public init(run: RunResult) {
        let exitCode = ExitStatus.code(for: run)
        self.init(
            status: run.signal != nil ? .interrupted : (exitCode == 0 ? .succeeded : .failed),
            exitCode: exitCode,
            failedStep: run.failedStep,
            error: run.signal.map { "stopped by \(Signal.name($0))" } ?? run.failedOutcome?.error,
            startedAt: run.startedAt,
            duration: run.duration,
            steps: run.outcomes)
    }

    public var json: JSON {
        func optional<T>(_ value: T?, _ transform: (T) -> JSON) -> JSON { value.map(transform) ?? .null }
        return .object([
            ("status", .string(status.rawValue)),
            ("exit_code", .int(Int64(exitCode))),
            ("failed_step", optional(failedStep) { .string($0) }),
            ("error", optional(error) { .string($0) }),
            ("started_at", optional(startedAt) { .string($0.iso8601) }),
            ("duration_ms", optional(duration) { .int($0.milliseconds) }),
            (
                "steps",
                .array(
                    steps.map { step in
                        var members: [(String, JSON)] = [
                            ("name", .string(step.name)),
                            ("kind", .string(step.kind)),
                            ("state", .string(step.state.rawValue)),
                            ("attempts", .int(Int64(step.attempts))),
                            ("started_at", optional(step.startedAt) { .string($0.iso8601) }),
                            ("duration_ms", optional(step.duration) { .int($0.milliseconds) }),
                            ("exit_code", optional(step.exitCode) { .int(Int64($0)) }),
                            ("error", optional(step.error) { .string($0) }),
                        ]
                        if !step.drift.isEmpty { members.append(("drift", .array(step.drift.map { .string($0) }))) }
                        if !step.applied.isEmpty {
                            members.append(("applied", .array(step.applied.map { .string($0) })))
                        }
                        if let revision = step.revision { members.append(("revision", .string(revision))) }
                        return .object(members)
                    })
            ),
        ] + (app.map { [("app", $0.json)] } ?? []))
    }

    /// Writes the report atomically; secrets registered with `sink` are masked.
    public func write(toPath path: String, sink: LogSink = .standardError) throws(SystemError) {
        let text = sink.redact(json.serialized()) + "\n"
        try FileSystem.writeAtomically(Array(text.utf8), toPath: path)
    }
}

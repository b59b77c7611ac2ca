import PrestartDatabase
import PrestartSystem

extension Report {
    public struct GanttError: Error, Sendable, CustomStringConvertible {
        public var reason: String
        public var description: String { "not a prestart report: \(reason)" }
    }

    /// A Mermaid Gantt chart of the run a `--report` file describes: one bar per step from its start to its
    /// end, marked by state (done, crit for failed or timed out, active for cancelled), with attempts and
    /// duration in its label. Steps that never started are listed in a comment.
    public static func gantt(fromJSON text: String) throws(GanttError) -> String {
        let report: JSON
        do {
            report = try JSON.parse(text)
        } catch {
            throw GanttError(reason: error.description)
        }
        guard let status = report["status"]?.string, let steps = report["steps"]?.array else {
            throw GanttError(reason: "no status or steps")
        }
        var lines = ["gantt", "    title prestart: \(status)\(report["duration_ms"]?.integer.map { " in \($0) ms" } ?? "")"]
        lines += ["    dateFormat x", "    axisFormat %S.%L s", "    section steps"]
        var unstarted: [String] = []
        for (index, step) in steps.enumerated() {
            guard let name = step["name"]?.string, let state = step["state"]?.string else { continue }
            guard let started = step["started_at"]?.string.flatMap(WallClock.milliseconds(fromISO8601:)),
                let duration = step["duration_ms"]?.integer
            else {
                unstarted.append("\(name) (\(state))")
                continue
            }
            let tag: String
            switch state {
            case "failed", "timed-out": tag = "crit, "
            case "cancelled": tag = "active, "
            default: tag = "done, "
            }
            let attempts = step["attempts"]?.integer ?? 1
            var label = "\(name) · \(state) · \(duration) ms"
            if attempts > 1 { label += " · \(attempts) attempts" }
            // Mermaid ends a task name at ':' and treats '#' and ';' specially.
            label = String(label.map { ":;#".contains($0) ? " " : $0 })
            lines.append("    \(label) :\(tag)s\(index), \(started), \(started + max(duration, 1))")
        }
        if !unstarted.isEmpty { lines.append("    %% not started: \(unstarted.joined(separator: ", "))") }
        return lines.joined(separator: "\n") + "\n"
    }
}

import PrestartDatabase
import PrestartSystem

/// The `after` relation between steps: validation, the selection a command runs, and renderings.
public struct StepGraph: Sendable {
    public let steps: [Step]
    private let index: [String: Int]

    public init(_ steps: [Step]) {
        self.steps = steps
        self.index = Dictionary(steps.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func step(named name: String) -> Step? {
        index[name].map { steps[$0] }
    }

    /// Unknown dependencies, regular steps that wait for on-demand ones, and cycles are config errors.
    static func validate(_ config: Config, sourceMap: SourceMap) throws(ConfigError) {
        let graph = StepGraph(config.steps)
        for step in config.steps {
            for dependency in step.after {
                let key = ["steps", step.name, "after"]
                func error(_ message: String) -> ConfigError {
                    ConfigError(
                        file: config.file, line: sourceMap.line(of: key),
                        key: TableReader.dotted(key), message: message)
                }
                guard let target = graph.step(named: dependency) else {
                    let known = config.steps.map(\.name).joined(separator: ", ")
                    throw error("step \"\(dependency)\" does not exist (steps: \(known))")
                }
                if dependency == step.name { throw error("step \"\(step.name)\" cannot come after itself") }
                if target.onDemand && !step.onDemand {
                    throw error(
                        "step \"\(dependency)\" is on-demand, so \"\(step.name)\" would never run in `up`; "
                            + "make \"\(step.name)\" on-demand too or drop the dependency")
                }
            }
        }
        if let cycle = graph.firstCycle() {
            let key = ["steps", cycle[0], "after"]
            throw ConfigError(
                file: config.file, line: sourceMap.line(of: key), key: TableReader.dotted(key),
                message: "the steps form a cycle: \((cycle + [cycle[0]]).joined(separator: " → "))")
        }
    }

    /// The steps of one cycle in `after` order, or `nil` when the graph is acyclic.
    func firstCycle() -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        func visit(_ name: String) -> [String]? {
            switch marks[name] {
            case .done: return nil
            case .visiting: return Array(stack[stack.lastIndex(of: name)!...])
            case nil: break
            }
            marks[name] = .visiting
            stack.append(name)
            for dependency in step(named: name)?.after ?? [] {
                if let cycle = visit(dependency) { return cycle }
            }
            stack.removeLast()
            marks[name] = .done
            return nil
        }
        for step in steps {
            if let cycle = visit(step.name) { return cycle }
        }
        return nil
    }

    /// What `up` runs: every step that is not on-demand.
    public func selectionForUp() -> [Step] {
        steps.filter { !$0.onDemand }
    }

    /// What `run` runs: the named steps and, unless `withDependencies` is false, everything they come after.
    public func selection(named names: [String], withDependencies: Bool) -> [Step] {
        var wanted = Set(names)
        if withDependencies {
            var queue = names
            while let name = queue.popLast() {
                for dependency in step(named: name)?.after ?? [] where wanted.insert(dependency).inserted {
                    queue.append(dependency)
                }
            }
        }
        return steps.filter { wanted.contains($0.name) }
    }

    /// What `prestart run NAME…` runs. A name is a step, or `STEP/FILE` for one file of a migrations step,
    /// which then runs alone (and whole when the step is named too).
    public func selection(forRun names: [String], withDependencies: Bool) throws(UsageError) -> [Step] {
        var stepNames: [String] = []
        var units: [String: Set<String>] = [:]
        for name in names {
            let stepName = String(name.prefix { $0 != "/" })
            guard let step = step(named: stepName) else {
                throw UsageError("no step named \(stepName) (steps: \(steps.map(\.name).joined(separator: ", ")))")
            }
            if stepName != name {
                guard let migrations = step.kind as? MigrationsStep, migrations.files.contains(where: { $0.name == name })
                else {
                    throw UsageError("\(name): no such migration file in step \(stepName)")
                }
                units[stepName, default: []].insert(name)
            }
            stepNames.append(stepName)
        }
        let wholeSteps = Set(names.filter { !$0.contains("/") })
        return selection(named: stepNames, withDependencies: withDependencies).map { step in
            guard !wholeSteps.contains(step.name), let wanted = units[step.name],
                var migrations = step.kind as? MigrationsStep
            else { return step }
            var filtered = step
            migrations.files.removeAll { !wanted.contains($0.name) }
            filtered.kind = migrations
            return filtered
        }
    }

    public enum Format: String, Sendable, CaseIterable {
        case mermaid, dot
    }

    public func render(_ format: Format) -> String {
        var lines: [String] = []
        func label(_ step: Step) -> String {
            var text = "\(step.name) (\(step.kindName)"
            if step.onDemand { text += ", on-demand" }
            if let timeout = step.timeout { text += ", timeout \(DurationText.format(timeout))" }
            return text + ")"
        }
        switch format {
        case .mermaid:
            lines.append("flowchart TD")
            for (number, step) in steps.enumerated() {
                lines.append("    s\(number)[\"\(label(step).replacing("\"", with: "#quot;"))\"]")
            }
            for (number, step) in steps.enumerated() {
                for dependency in step.after { lines.append("    s\(index[dependency]!) --> s\(number)") }
            }
        case .dot:
            lines.append("digraph prestart {")
            lines.append("    rankdir=TB;")
            for step in steps {
                let style = step.onDemand ? ", style=dashed" : ""
                lines.append("    \(Self.dotQuoted(step.name)) [label=\(Self.dotQuoted(label(step)))\(style)];")
            }
            for step in steps {
                for dependency in step.after {
                    lines.append("    \(Self.dotQuoted(dependency)) -> \(Self.dotQuoted(step.name));")
                }
            }
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func dotQuoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}

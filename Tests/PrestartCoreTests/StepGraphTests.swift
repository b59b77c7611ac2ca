import Testing

@testable import PrestartCore

@Suite struct StepGraphTests {
    func step(_ name: String, after: [String] = [], onDemand: Bool = false) -> Step {
        Step(name: name, kind: .command(argv: ["true"]), after: after, onDemand: onDemand, workdir: "/")
    }

    var graph: StepGraph {
        StepGraph([
            step("wait"), step("schema", after: ["wait"]), step("seed", after: ["schema"]),
            step("backfill", after: ["schema"], onDemand: true), step("other"),
        ])
    }

    @Test func upLeavesOnDemandStepsOut() {
        #expect(graph.selectionForUp().map(\.name) == ["wait", "schema", "seed", "other"])
    }

    @Test func runTakesTheNamedStepsWithWhatTheyComeAfter() {
        #expect(graph.selection(named: ["backfill"], withDependencies: true).map(\.name) == ["wait", "schema", "backfill"])
        #expect(graph.selection(named: ["backfill"], withDependencies: false).map(\.name) == ["backfill"])
    }

    @Test func rendersMermaidAndDot() {
        let mermaid = graph.render(.mermaid)
        #expect(mermaid.hasPrefix("flowchart TD\n"))
        #expect(mermaid.contains("s0 --> s1"))
        #expect(mermaid.contains("backfill (command, on-demand)"))
        let dot = graph.render(.dot)
        #expect(dot.contains("\"schema\" -> \"seed\";"))
        #expect(dot.hasSuffix("}\n"))
    }
}

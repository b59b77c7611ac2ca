import Testing

@testable import PrestartCore
@testable import PrestartDatabase
@testable import PrestartSystem

@Suite struct StepGraphTests {
    func step(_ name: String, after: [String] = [], onDemand: Bool = false) -> Step {
        Step(name: name, kind: CommandStep(run: ["true"]), after: after, onDemand: onDemand, workdir: "/")
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

@Suite struct GanttTests {
    @Test func aReportBecomesAGanttChartWithABarPerStartedStep() throws {
        let report = """
            {"status":"failed","exit_code":1,"failed_step":"seed","error":"x","started_at":"2026-11-26T11:53:46.894Z",\
            "duration_ms":1005,"steps":[{"name":"wait","kind":"wait","state":"succeeded","attempts":1,\
            "started_at":"2026-11-26T11:53:46.894Z","duration_ms":3,"exit_code":null,"error":null},\
            {"name":"seed","kind":"sql","state":"failed","attempts":2,"started_at":"2026-11-26T11:53:46.900Z",\
            "duration_ms":1000,"exit_code":null,"error":"a \\"quoted\\" error: yes"},\
            {"name":"app-assets","kind":"command","state":"not-run","attempts":0,"started_at":null,"duration_ms":null,\
            "exit_code":null,"error":null}]}
            """
        let chart = try Report.gantt(fromJSON: report)
        #expect(
            chart == """
                gantt
                    title prestart: failed in 1005 ms
                    dateFormat x
                    axisFormat %S.%L s
                    section steps
                    wait · succeeded · 3 ms :done, s0, 1795694026894, 1795694026897
                    seed · failed · 1000 ms · 2 attempts :crit, s1, 1795694026900, 1795694027900
                    %% not started: app-assets (not-run)

                """)
        #expect(throws: Report.GanttError.self) { try Report.gantt(fromJSON: "{\"status\": 1") }
    }

    @Test(arguments: [
        ("1970-01-01T00:00:00.000Z", Int64(0)),
        ("2000-03-01T00:00:00.001Z", 951_868_800_001),
        ("2026-11-26T11:53:46.894Z", 1_795_694_026_894),
    ])
    func isoTimestampsBecomeEpochMilliseconds(text: String, expected: Int64) {
        #expect(WallClock.milliseconds(fromISO8601: text) == expected)
    }
}

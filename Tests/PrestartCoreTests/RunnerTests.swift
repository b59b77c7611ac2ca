import Logging
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// The graph runner over real `sh` commands.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct RunnerTests {
    let context = StepContext(
        environment: Environment(["PATH": "/usr/bin:/bin"]), logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
        killGrace: .seconds(1))

    func step(_ name: String, _ script: String, after: [String] = [], timeout: Duration? = nil, retries: Int = 0) -> Step {
        Step(
            name: name, kind: CommandStep(run: ["sh", "-c", script]), after: after, timeout: timeout, retries: retries,
            retryDelay: .milliseconds(10), workdir: "/tmp")
    }

    func states(_ result: RunResult) -> [String: StepState] {
        Dictionary(uniqueKeysWithValues: result.outcomes.map { ($0.name, $0.state) })
    }

    /// Each step waits for the other's marker file: run one after the other, both would fail.
    @Test func independentStepsRunConcurrently() async throws {
        let directory = try TemporaryDirectory()
        func meet(_ mine: String, _ other: String) -> String {
            "touch \(directory.path)/\(mine); for i in $(seq 100); do [ -e \(directory.path)/\(other) ] && exit 0; sleep 0.05; done; exit 1"
        }
        let result = await Runner(steps: [step("a", meet("a", "b")), step("b", meet("b", "a"))], context: context).run()
        #expect(states(result) == ["a": .succeeded, "b": .succeeded])
    }

    @Test func aStepStartsOnlyAfterItsDependenciesFinished() async throws {
        let directory = try TemporaryDirectory()
        let log = directory.path + "/order"
        let result = await Runner(
            steps: [
                step("c", "echo c >> \(log)", after: ["a", "b"]),
                step("a", "sleep 0.2; echo a >> \(log)"),
                step("b", "echo b >> \(log)"),
            ], context: context
        ).run()
        #expect(ExitStatus.code(for: result) == 0)
        let order = try FileSystem.readText(atPath: log).split(separator: "\n")
        #expect(order == ["b", "a", "c"])
    }

    @Test func theFirstFailureCancelsRunningSiblingsAndTheRestDoNotRun() async {
        let result = await Runner(
            steps: [
                step("fails", "sleep 0.2; exit 3"),
                step("slow", "sleep 20"),
                step("later", "true", after: ["fails"]),
                step("after-slow", "true", after: ["slow"]),
            ], context: context
        ).run()
        #expect(
            states(result) == ["fails": .failed, "slow": .cancelled, "later": .notRun, "after-slow": .notRun])
        #expect(result.failedStep == "fails")
        #expect(result.outcomes[0].exitCode == 3)
        #expect(ExitStatus.code(for: result) == 1)
        // Well before the 20 s sleep would end: the step was stopped, not waited for. (Not tighter: the cooperative
        // pool has 2 threads, which tests running beside this one can keep busy for seconds on a loaded machine.)
        #expect(result.duration < .seconds(15))
    }

    @Test func retriesRunTheCommandAgainUntilItSucceeds() async throws {
        let directory = try TemporaryDirectory()
        let counter = directory.path + "/count"
        let script = "echo x >> \(counter); [ $(wc -l < \(counter)) -ge 3 ]"
        let result = await Runner(steps: [step("flaky", script, retries: 3)], context: context).run()
        #expect(result.outcomes[0].state == .succeeded)
        #expect(result.outcomes[0].attempts == 3)
        let exhausted = await Runner(steps: [step("broken", "exit 1", retries: 2)], context: context).run()
        #expect(exhausted.outcomes[0].state == .failed)
        #expect(exhausted.outcomes[0].attempts == 3)
    }

    @Test func aTimedOutStepExits124() async {
        let result = await Runner(steps: [step("slow", "sleep 10", timeout: .milliseconds(300))], context: context).run()
        #expect(result.outcomes[0].state == .timedOut)
        #expect(ExitStatus.code(for: result) == 124)
    }

    @Test func skippedStepsCountAsDoneForTheirDependents() async {
        let result = await Runner(
            steps: [step("a", "exit 1"), step("b", "true", after: ["a"])], skipped: ["a"], context: context
        ).run()
        #expect(states(result) == ["a": .skipped, "b": .succeeded])
    }

    @Test func cancellingTheRunStopsEveryStep() async {
        let runner = Runner(steps: [step("a", "sleep 20"), step("b", "sleep 20"), step("c", "true", after: ["a"])], context: context)
        let task = Task { await runner.run() }
        try? await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.value
        #expect(states(result) == ["a": .cancelled, "b": .cancelled, "c": .notRun])
        #expect(result.duration < .seconds(15), "well before the 20 s sleeps would end")
    }
}

import PrestartSystem
import Synchronization
import Testing

/// The migration folder is read on several threads; what comes back must be what one thread would give.
struct ParallelWorkTests {
    @Test(arguments: [(0, 4), (1, 4), (7, 1), (1000, 2), (1000, 8)])
    func everyIndexRunsOnceAndTheResultsKeepTheirOrder(count: Int, threads: Int) {
        let calls = Atomic<Int>(0)
        let results = ParallelWork.map(count: count, threads: threads) { index in
            calls.add(1, ordering: .relaxed)
            return "item \(index)"
        }
        #expect(results == (0..<count).map { "item \($0)" })
        #expect(calls.load(ordering: .relaxed) == count)
    }
}

import CPrestartShims

/// Blocking work on independent items, spread over the machine's cores: for the start-up's file reading, which
/// runs before the step graph (and its threads) exists.
public enum ParallelWork {
    /// `body` for every index of `0..<count`, on this thread and up to `threads - 1` more that each take the next
    /// index left; the results in index order. One thread (or one item) runs it all here, with no thread started.
    public static func map<T: Sendable>(
        count: Int, threads: Int = ParallelWork.cores, _ body: @escaping @Sendable (Int) -> T
    ) -> [T] {
        let helpers = min(threads, count) - 1
        guard helpers > 0 else { return (0..<count).map(body) }
        let work = Work(count: count, body: body)
        for _ in 0..<helpers {
            BlockingThread.start { work.drain(helper: true) }
        }
        work.drain(helper: false)
        return work.results(waitingFor: helpers)
    }

    /// The cores this process may run on (its CPU affinity, which a container's cpuset limits), at least 1.
    public static var cores: Int { Int(prestart_available_cores()) }

    /// The shared state of one `map`: the next index to take, the results, and how many helpers are done.
    ///
    /// - Important: Each result slot is written by the one thread that took its index, and read only after every
    ///   helper has said it is done under the lock, which orders the writes before the reads.
    private final class Work<T: Sendable>: @unchecked Sendable {
        private let body: @Sendable (Int) -> T
        private let count: Int
        private let slots: UnsafeMutablePointer<T?>
        private let lock = ConditionLock()
        private var next = 0
        private var helpersDone = 0

        init(count: Int, body: @escaping @Sendable (Int) -> T) {
            self.body = body
            self.count = count
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil, count: count)
        }

        deinit {
            slots.deinitialize(count: count)
            slots.deallocate()
        }

        func drain(helper: Bool) {
            while let index = take() {
                slots[index] = body(index)
            }
            guard helper else { return }
            lock.withLock {
                helpersDone += 1
                lock.broadcast()
            }
        }

        private func take() -> Int? {
            lock.withLock { () -> Int? in
                guard next < count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func results(waitingFor helpers: Int) -> [T] {
            lock.withLock { lock.wait(until: { helpersDone == helpers }) }
            return (0..<count).compactMap { slots[$0] }
        }
    }
}

import Glibc
import Synchronization

/// Runs blocking work (a `poll` loop, libpq, sqlite3) on a thread of its own, never on the cooperative pool,
/// which has only as many threads as cores.
public enum BlockingThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            start { continuation.resume(returning: body()) }
        }
    }

    /// Starts a detached thread running `body`.
    public static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box: @unchecked Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        defer { pthread_attr_destroy(&attributes) }
        let result = pthread_create(&thread, &attributes, { argument in
            let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        precondition(result == 0, "pthread_create failed: \(String(cString: strerror(result)))")
    }
}

extension BlockingThread {
    /// Like `run`, but a cancelled task stops waiting at once and gets `nil`; the thread finishes on its own
    /// and its result is dropped. For work without side effects, such as a readiness probe.
    public static func runUnlessCancelled<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        let once = Once<T?>()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                once.arm(continuation)
                start { once.resume(body()) }
            }
        } onCancel: {
            once.resume(nil)
        }
    }
}

/// A continuation resumed by whichever of two parties comes first.
private final class Once<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Never>?
        var early: T??
    }

    private let state = Mutex(State())

    func arm(_ continuation: CheckedContinuation<T, Never>) {
        let early = state.withLock { state -> T?? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early!) }
    }

    func resume(_ value: T) {
        let continuation = state.withLock { state -> CheckedContinuation<T, Never>? in
            if let continuation = state.continuation {
                state.continuation = nil
                state.early = .some(value)
                return continuation
            }
            if state.early == nil { state.early = .some(value) }
            return nil
        }
        continuation?.resume(returning: value)
    }
}

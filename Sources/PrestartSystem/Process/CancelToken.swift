import CPrestartShims
import Glibc
import Synchronization

/// Tells a blocking `poll` loop on another thread to stop: a flag plus a self-pipe that wakes `poll`.
/// Safe to call `cancel()` from any thread, any number of times, also after the loop has finished.
public final class CancelToken: Sendable {
    private struct State {
        var cancelled = false
        var events = 0
        var readEnd: Int32 = -1
        var writeEnd: Int32 = -1
    }

    private let state = Mutex(State())

    public init() {
        var fds: [Int32] = [-1, -1]
        if prestart_pipe2(&fds, O_CLOEXEC | O_NONBLOCK) == 0 {
            state.withLock {
                $0.readEnd = fds[0]
                $0.writeEnd = fds[1]
            }
        }
    }

    deinit {
        state.withLock {
            if $0.readEnd >= 0 { close($0.readEnd) }
            if $0.writeEnd >= 0 { close($0.writeEnd) }
        }
    }

    public var isCancelled: Bool { state.withLock { $0.cancelled } }

    public func cancel() {
        state.withLock {
            $0.cancelled = true
            Self.poke($0.writeEnd)
        }
    }

    /// Wakes the loop without cancelling, e.g. because a child exited.
    func wake() {
        state.withLock { Self.poke($0.writeEnd) }
    }

    /// The descriptor to `poll` for `POLLIN`.
    var descriptor: Int32 { state.withLock { $0.readEnd } }

    /// Empties the pipe after `poll` reported it readable.
    func drain() {
        let fd = descriptor
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    private static func poke(_ fd: Int32) {
        guard fd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(fd, &byte, 1)
    }
}

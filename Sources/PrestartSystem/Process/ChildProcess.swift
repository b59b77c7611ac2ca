import CPrestartShims
import Glibc
import Synchronization

/// Runs one command to completion on the calling (dedicated) thread, with the process control a
/// supervisor needs.
///
/// - Important: The child leads its own process group, so a timeout or cancellation signals everything it
///   started: SIGTERM to the group, then SIGKILL after `grace`. When the leader exits, whatever it left in
///   its group gets the same treatment, so background children holding our pipes cannot hang the step or
///   outlive it. stdin is `/dev/null`; stdout and stderr are read line by line as they come.
public enum ChildProcess {
    public static func run(
        _ spec: ProcessSpec,
        timeout: Duration?,
        grace: Duration = .seconds(5),
        cancel: CancelToken,
        output: (OutputStream, String) -> Void
    ) throws(ProcessError) -> ChildResult {
        guard FileSystem.isDirectory(spec.workdir) else { throw .noWorkdir(spec.workdir) }
        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard prestart_pipe2(&stdoutPipe, O_CLOEXEC) == 0, prestart_pipe2(&stderrPipe, O_CLOEXEC) == 0 else {
            throw .spawnFailed(command: spec.argv[0], reason: SystemError("pipe2").description)
        }
        let exit = Mutex<Termination?>(nil)
        let pid: pid_t
        do {
            pid = try Reaper.shared.spawn(
                { () throws(ProcessError) -> pid_t in
                    try spawn(spec, stdout: stdoutPipe[1], stderr: stderrPipe[1])
                },
                onExit: { termination in
                    exit.withLock { $0 = termination }
                    cancel.wake()
                })
        } catch {
            for fd in stdoutPipe + stderrPipe { close(fd) }
            throw error
        }
        close(stdoutPipe[1])
        close(stderrPipe[1])

        var readers = [LineReader(fd: stdoutPipe[0], stream: .stdout), LineReader(fd: stderrPipe[0], stream: .stderr)]
        defer { for reader in readers { close(reader.fd) } }
        let clock = ContinuousClock()
        let deadline = timeout.map { clock.now + $0 }
        var timedOut = false
        var cancelled = false
        var termination: Termination?
        // After SIGTERM: when to send SIGKILL. After SIGKILL: when to stop waiting for the pipes.
        var killAt: ContinuousClock.Instant?
        var abandonAt: ContinuousClock.Instant?

        func terminateGroup() {
            guard killAt == nil, abandonAt == nil else { return }
            if kill(-pid, SIGTERM) == 0 {
                killAt = clock.now + grace
            } else {
                // The group is already empty; only a process that left it can still hold the pipes.
                abandonAt = clock.now + .milliseconds(500)
            }
        }

        while true {
            if termination == nil, let ended = exit.withLock({ $0 }) {
                termination = ended
                // The leader is gone: anything still in its group is a leftover.
                terminateGroup()
            }
            if termination != nil, readers.allSatisfy(\.closed) { break }
            let now = clock.now
            if !cancelled, termination == nil, cancel.isCancelled {
                cancelled = true
                terminateGroup()
            }
            if !timedOut, termination == nil, let deadline, now >= deadline {
                timedOut = true
                terminateGroup()
            }
            if let due = killAt, now >= due {
                kill(-pid, SIGKILL)
                killAt = nil
                abandonAt = now + .milliseconds(500)
            }
            // A process outside the group (it called setsid) may hold the pipes forever; stop reading.
            if termination != nil, let due = abandonAt, now >= due { break }

            var wakeAt: ContinuousClock.Instant? = killAt ?? abandonAt
            if !timedOut, termination == nil, let deadline { wakeAt = min(wakeAt ?? deadline, deadline) }
            let timeoutMilliseconds = wakeAt.map { Int32(clamping: max(0, ($0 - now).milliseconds + 1)) } ?? -1

            var fds = [pollfd(fd: cancel.descriptor, events: Int16(POLLIN), revents: 0)]
            for reader in readers where !reader.closed {
                fds.append(pollfd(fd: reader.fd, events: Int16(POLLIN), revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), timeoutMilliseconds)
            if ready < 0 { continue }  // EINTR
            if fds[0].revents != 0 { cancel.drain() }
            for polled in fds.dropFirst() where polled.revents != 0 {
                let index = readers.firstIndex { $0.fd == polled.fd }!
                readers[index].readAvailable(output)
            }
        }
        for index in readers.indices { readers[index].flush(output) }
        // Leader done and pipes closed or abandoned: make sure nothing of the group survives. SIGKILL takes
        // effect when the process next runs, so wait (briefly) until the group is really gone: after the step
        // ends, none of its processes may still be running.
        if kill(-pid, 0) == 0 {
            kill(-pid, SIGKILL)
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(1)
            while ProcessTable.hasLivingMembers(group: pid), clock.now < deadline { _ = poll(nil, 0, 5) }
        }
        while exit.withLock({ $0 }) == nil { _ = poll(nil, 0, 5) }
        return ChildResult(termination: exit.withLock { $0 }!, timedOut: timedOut, cancelled: cancelled)
    }

    private static func spawn(_ spec: ProcessSpec, stdout: Int32, stderr: Int32) throws(ProcessError) -> pid_t {
        do {
            return try Spawn.start(
                spec.argv, environment: spec.environment, workdir: spec.workdir,
                standard: .captured(stdout: stdout, stderr: stderr))
        } catch {
            throw .spawnFailed(command: spec.argv[0], reason: String(cString: strerror(error.errno)))
        }
    }
}

/// Splits a pipe's bytes into lines; a line longer than 64 KiB is passed on in pieces.
private struct LineReader {
    let fd: Int32
    let stream: OutputStream
    var closed = false
    private var pending: [UInt8] = []

    init(fd: Int32, stream: OutputStream) {
        self.fd = fd
        self.stream = stream
    }

    mutating func readAvailable(_ output: (OutputStream, String) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR || errno == EAGAIN { return }
        guard count > 0 else {
            closed = true
            flush(output)
            return
        }
        pending.append(contentsOf: buffer[0..<count])
        var start = 0
        while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            emit(pending[start..<newline], output)
            start = newline + 1
        }
        pending.removeFirst(start)
        if pending.count > 64 * 1024 {
            emit(pending[...], output)
            pending.removeAll()
        }
    }

    mutating func flush(_ output: (OutputStream, String) -> Void) {
        if !pending.isEmpty { emit(pending[...], output) }
        pending.removeAll()
    }

    private func emit(_ bytes: ArraySlice<UInt8>, _ output: (OutputStream, String) -> Void) {
        var line = bytes
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        output(stream, String(decoding: line, as: UTF8.self))
    }
}

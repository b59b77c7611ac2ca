import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// What systemd would receive on `NOTIFY_SOCKET`: the tests play the service manager with a datagram socket
/// of their own.
@Suite(.serialized, .timeLimit(.minutes(1)))
struct SystemdNotifyTests {
    let config = """
        [steps.first]
        kind = "command"
        run = ["true"]

        [steps.second]
        kind = "command"
        run = ["true"]
        after = ["first"]
        """

    @Test func upSendsStatusPerStepThenReadyWithItsOwnPIDOnceTheAppRuns() throws {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", config)
        let listener = try NotifyListener(path: directory.path + "/notify")
        let run = try PrestartProcess.run(
            ["up", "--supervise", "--", "sh", "-c", "echo \"${NOTIFY_SOCKET:-unset}\" > seen"], in: directory,
            environment: ["NOTIFY_SOCKET": listener.name])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let messages = listener.drain()
        let statuses = messages.filter { $0.hasPrefix("STATUS=") }.map { $0.split(separator: " in ").first ?? "" }
        #expect(
            statuses == [
                "STATUS=first: started (command)", "STATUS=first: succeeded", "STATUS=second: started (command)",
                "STATUS=second: succeeded",
            ], "\(messages)")
        let ready = try #require(messages.first { $0.hasPrefix("READY=1\n") }, "\(messages)")
        #expect(ready.split(separator: "\n").contains("MAINPID=\(run.pid)"), "\(ready)")
        #expect(messages.firstIndex(of: ready)! > messages.lastIndex { $0.hasPrefix("STATUS=second:") }!)
        #expect(messages.last?.hasPrefix("STOPPING=1\nSTATUS=sh exited with status 0") == true, "\(messages)")
        // Under NotifyAccess=main systemd would refuse the app's own messages: it does not get the socket.
        #expect(directory.read("seen") == "unset\n")
    }

    /// `@name`: a Linux abstract socket. The wait step's file never appears: its timeout is 1 s, so systemd is
    /// asked for that much more plus the margin.
    @Test func anAbstractSocketGetsTimeoutExtensionsWhileAWaitStepWaits() throws {
        let directory = try TemporaryDirectory()
        try directory.write(
            "prestart.toml", "[steps.wait]\nkind = \"wait\"\ntarget = \"file:never\"\ntimeout = \"1s\"\n")
        let listener = try NotifyListener(abstract: "prestart-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        let run = try PrestartProcess.run(["up"], in: directory, environment: ["NOTIFY_SOCKET": listener.name])
        #expect(run.exitCode == 69, "\(run.stderr)")
        let messages = listener.drain()
        #expect(messages.first == "STATUS=wait: started (wait)", "\(messages)")
        #expect(messages.last?.hasPrefix("STATUS=wait: failed in ") == true, "\(messages)")
        let extensions = messages.compactMap { $0.hasPrefix("EXTEND_TIMEOUT_USEC=") ? Int($0.dropFirst(20)) : nil }
        #expect(!extensions.isEmpty, "\(messages)")
        for microseconds in extensions {
            #expect(microseconds > 5_000_000 && microseconds <= 6_000_000, "\(messages)")
        }
    }

    /// In exec mode the app becomes the main process: prestart says nothing of readiness and hands the
    /// socket on, so an app that speaks sd_notify can.
    @Test func execModeLeavesReadinessAndTheSocketToTheApp() throws {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", config)
        let listener = try NotifyListener(path: directory.path + "/notify")
        let run = try PrestartProcess.run(
            ["up", "--exec", "--", "sh", "-c", "echo \"$NOTIFY_SOCKET\" > seen"], in: directory,
            environment: ["NOTIFY_SOCKET": listener.name])
        #expect(run.exitCode == 0, "\(run.stderr)")
        let messages = listener.drain()
        #expect(messages.count == 4, "\(messages)")
        #expect(!messages.contains { $0.contains("READY=1") }, "\(messages)")
        #expect(directory.read("seen") == listener.name + "\n")
    }

    @Test func withoutNotifySocketNothingIsSent() throws {
        let directory = try TemporaryDirectory()
        try directory.write("prestart.toml", config)
        let listener = try NotifyListener(path: directory.path + "/notify")
        let run = try PrestartProcess.run(["up", "--supervise", "--", "true"], in: directory)
        #expect(run.exitCode == 0)
        #expect(listener.drain() == [])
        #expect(SystemdNotifier(environment: Environment([:])) == nil)
    }

    @Test(arguments: ["vsock:2:1234", "relative/path", "", "/" + String(repeating: "x", count: 200)])
    func aSocketNameThatIsNotAUnixSocketSendsNothing(_ name: String) {
        #expect(SystemdNotifier(socket: name) == nil)
    }
}

/// An `AF_UNIX` datagram socket standing in for systemd's notification socket.
final class NotifyListener {
    let fd: Int32
    /// The value for `NOTIFY_SOCKET`.
    let name: String
    private let path: String?

    convenience init(path: String) throws {
        try self.init(name: path, sunPath: Array(path.utf8) + [0], path: path)
    }

    convenience init(abstract: String) throws {
        try self.init(name: "@" + abstract, sunPath: [0] + Array(abstract.utf8), path: nil)
    }

    private init(name: String, sunPath: [UInt8], path: String?) throws {
        self.name = name
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError("socket") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: sunPath) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + sunPath.count)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard result == 0 else {
            close(fd)
            throw SystemError("bind \(name)")
        }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Every datagram received so far, in order.
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }
}

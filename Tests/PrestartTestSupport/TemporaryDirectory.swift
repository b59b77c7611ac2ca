import Glibc
import PrestartCore
import PrestartDatabase
import PrestartSystem

/// A fresh folder under /tmp, removed when the value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init() throws {
        var template = Array("/tmp/prestart-test-XXXXXX".utf8CString)
        guard let pointer = mkdtemp(&template) else { throw SystemError("mkdtemp") }
        path = String(cString: pointer)
    }

    deinit {
        Shell.run("rm -rf '\(path)'")
    }

    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileSystem.writeAtomically(Array(text.utf8), toPath: file)
        return file
    }
}

extension TemporaryDirectory {
    /// Polls for a file a step writes, so a test can act at a known point of the run.
    public func waitForFile(_ name: String, timeout: Duration = .seconds(10)) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if FileSystem.exists(path + "/" + name) { return true }
            usleep(10_000)
        }
        return false
    }

    public func read(_ name: String) -> String {
        (try? FileSystem.readText(atPath: path + "/" + name)) ?? ""
    }
}

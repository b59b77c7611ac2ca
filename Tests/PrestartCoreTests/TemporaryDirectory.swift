import Glibc

@testable import PrestartCore

/// A fresh folder under /tmp, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/prestart-test-XXXXXX".utf8CString)
        guard let pointer = mkdtemp(&template) else { throw SystemError("mkdtemp") }
        path = String(cString: pointer)
    }

    deinit {
        let status = system("rm -rf '\(path)'")
        _ = status
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileSystem.writeAtomically(Array(text.utf8), toPath: file)
        return file
    }
}

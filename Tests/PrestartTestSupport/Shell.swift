import PrestartCore
import Testing
import PrestartDatabase
import PrestartSystem

/// Runs a shell command line for a test and returns its exit status.
///
/// - Important: Never `system()` in these tests: all test targets share one process, whose `Reaper` owns
///   `waitpid(-1)` and would reap `system()`'s child first, making it return -1 — a check like
///   "pgrep finds nothing" would then pass without looking.
public enum Shell {
    @discardableResult
    public static func run(_ command: String) -> Int32 {
        let spec = ProcessSpec(
            argv: ["/bin/sh", "-c", command], environment: Environment.current,
            workdir: FileSystem.currentDirectory)
        do {
            return try ChildProcess.run(spec, timeout: .seconds(120), cancel: CancelToken()) { _, _ in }
                .termination.exitCode
        } catch {
            return -1
        }
    }

    /// Whether a process runs with exactly this command line (`pgrep -f -x`). A pgrep that could not run is
    /// recorded as a failure, never read as "no such process".
    public static func processExists(commandLine: String) -> Bool {
        let status = run("pgrep -f -x '\(commandLine)' > /dev/null")
        if status != 0 && status != 1 { Issue.record("pgrep failed with status \(status)") }
        return status == 0
    }
}

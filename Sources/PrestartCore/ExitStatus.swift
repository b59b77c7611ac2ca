import Glibc
import PrestartDatabase
import PrestartLint
public import PrestartSystem

/// The exit status table of docs/design.md. This is the only place that maps outcomes and errors to exit codes.
public enum ExitStatus {
    public static let success: Int32 = 0
    public static let stepFailed: Int32 = 1
    public static let usage: Int32 = 64
    public static let ledgerConflict: Int32 = 65
    public static let unavailable: Int32 = 69
    public static let lockTimeout: Int32 = 75
    public static let config: Int32 = 78
    public static let timeout: Int32 = 124
    /// The app could not be started: found but not executable (the shells' convention).
    public static let cannotExecute: Int32 = 126
    /// The app could not be started: not found.
    public static let notFound: Int32 = 127

    public static func signal(_ number: Int32) -> Int32 { 128 + number }

    /// Supervise mode outside PID 1: the signal prestart ends by itself when the app died of one, so systemd sees
    /// "killed by SIGTERM" (a clean stop) rather than exit 143 (a failure). As PID 1 a process cannot die of its
    /// own signal, so there it is `nil` and the exit status stays 128+N.
    public static func signalToEndBy(forApp termination: Termination, isPID1: Bool) -> Int32? {
        guard case .signaled(let number) = termination, !isPID1 else { return nil }
        return number
    }

    public static func code(for run: RunResult) -> Int32 {
        if let signal = run.signal { return self.signal(signal) }
        guard let failure = run.failedOutcome?.failure else { return success }
        return code(for: failure)
    }

    static func code(for failure: StepFailure) -> Int32 {
        switch failure {
        case .failed: return stepFailed
        case .timedOut: return timeout
        case .unavailable: return unavailable
        case .ledgerConflict: return ledgerConflict
        case .lockTimeout: return lockTimeout
        }
    }

    /// Supervise mode: the app's own status, or 128+N when it died of signal N — what the container runtime
    /// or systemd would have seen without prestart in between.
    public static func code(forApp termination: Termination) -> Int32 {
        switch termination {
        case .exited(let code): code
        case .signaled(let number): signal(number)
        }
    }

    /// `check`: a config that loads is valid (0); a lint finding weighed `error` fails (1), and with `--strict` any
    /// unset variable or warning does.
    public static func code(for check: CheckResult, strict: Bool) -> Int32 {
        check.lint.fail(strict: false) || strict && check.hasWarnings ? stepFailed : success
    }

    public static func code(for error: any Error) -> Int32 {
        switch error {
        case is ConfigError: config
        case is UsageError, is ReportError: usage
        case let error as LedgerError: code(for: StepFailure(error))
        // A read-only command that cannot reach the database, or finds no SQLite file there: the dependency is
        // unavailable, as for a wait step that gave up.
        case let error as DatabaseError where error.kind == .connection: unavailable
        case let error as AppLaunchError: error.errno == ENOENT ? notFound : cannotExecute
        default: stepFailed
        }
    }
}

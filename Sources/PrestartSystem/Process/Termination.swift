import CPrestartShims

/// How a child process ended.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        if prestart_wifsignaled(status) != 0 {
            self = .signaled(prestart_wtermsig(status))
        } else {
            self = .exited(prestart_wexitstatus(status))
        }
    }

    /// The shell's convention: the exit status, or 128+N after signal N.
    public var exitCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal): 128 + signal
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "killed by \(Signal.name(signal))"
        }
    }
}

/// Signal names for messages; `strsignal` gives prose, operators think in `SIGTERM`.
public enum Signal {
    public static func name(_ number: Int32) -> String {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL",
            10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 28: "SIGWINCH",
        ]
        return names[number] ?? "signal \(number)"
    }
}

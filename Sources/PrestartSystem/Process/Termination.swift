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

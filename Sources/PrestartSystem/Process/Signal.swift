
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

import Glibc

/// prestart started with stdin, stdout or stderr closed (some supervisors and `>&-` do that) would hand those
/// numbers out again: a step's pipe could become descriptor 1, and the child's `dup2` onto it would then keep its
/// close-on-exec flag, so the command would start with no stdout.
public enum StandardDescriptors {
    /// Opens `/dev/null` on each of 0, 1 and 2 that is closed, before anything else opens a file.
    public static func reopenClosed() {
        for descriptor: Int32 in 0...2 where fcntl(descriptor, F_GETFD) == -1 {
            // `open` returns the lowest free number: this one.
            _ = open("/dev/null", O_RDWR)
        }
    }
}

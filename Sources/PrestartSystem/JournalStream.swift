import Glibc

/// Whether a descriptor is connected to systemd's journal: systemd sets `JOURNAL_STREAM=DEVICE:INODE` for a
/// service whose output goes there, and the descriptor is that stream only while its `fstat` says the same
/// (a child whose stderr was redirected inherits the variable, not the stream).
public enum JournalStream {
    public static func isConnected(_ fd: Int32, environment: Environment) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }
}

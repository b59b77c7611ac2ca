import Glibc

/// Living processes by parentage and process group, read from `/proc`.
enum ProcessTable {
    /// Every living (not zombie) descendant of `ancestor`: children, their children, and so on.
    ///
    /// - Important: The parent links are read one `/proc/PID/stat` at a time, so a process forked during the
    ///   scan may be missed; callers scan again until nothing is left.
    static func descendants(of ancestor: pid_t) -> [pid_t] {
        let children = livingChildren()
        var found: [pid_t] = []
        var queue = children[ancestor] ?? []
        while let pid = queue.popLast() {
            found.append(pid)
            queue.append(contentsOf: children[pid] ?? [])
        }
        return found
    }

    /// The living (not zombie) children of `parent`.
    static func children(of parent: pid_t) -> [pid_t] {
        livingChildren()[parent] ?? []
    }

    /// Whether any process of group `group` is still alive (a zombie is not).
    static func hasLivingMembers(group: pid_t) -> Bool {
        var found = false
        forEachLivingProcess { _, _, processGroup in
            if processGroup == group { found = true }
        }
        return found
    }

    /// Every process's living children, by parent PID. (`/proc/PID/task/TID/children` would be cheaper, but
    /// it is missing from kernels built without `CONFIG_PROC_CHILDREN`.)
    private static func livingChildren() -> [pid_t: [pid_t]] {
        var children: [pid_t: [pid_t]] = [:]
        forEachLivingProcess { pid, parent, _ in children[parent, default: []].append(pid) }
        return children
    }

    /// Calls `body` with PID, parent PID and process group of every process that is not a zombie: a zombie
    /// has nothing left to stop, and whoever reaps it (we, or the kernel when we exit) is enough.
    private static func forEachLivingProcess(_ body: (pid_t, pid_t, pid_t) -> Void) {
        guard let directory = opendir("/proc") else { return }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), let stat = stat(of: pid) else { continue }
            if stat.state == UInt8(ascii: "Z") || stat.state == UInt8(ascii: "X") { continue }
            body(pid, stat.parent, stat.group)
        }
    }

    /// The state letter, parent PID and process group from `/proc/PID/stat`: `PID (COMM) STATE PPID PGRP …`,
    /// where COMM may itself hold spaces and parentheses, so parsing starts after the last `)`.
    private static func stat(of pid: pid_t) -> (state: UInt8, parent: pid_t, group: pid_t)? {
        let fd = open("/proc/\(pid)/stat", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        // The three fields needed follow COMM (at most 15 bytes): 256 bytes always hold them.
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let bytes = buffer[0..<count]
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count >= 3, let state = fields[0].first,
            let parent = pid_t(String(decoding: fields[1], as: UTF8.self)),
            let group = pid_t(String(decoding: fields[2], as: UTF8.self))
        else { return nil }
        return (state, parent, group)
    }
}

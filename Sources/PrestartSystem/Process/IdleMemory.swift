import Glibc

/// What prestart's memory costs while it only waits for the app.
enum IdleMemory {
    /// Unmaps the code and read-only data pages that start-up touched (argument parsing, TOML, the step
    /// graph, libpq: most of what is resident) and supervising no longer needs. The page cache keeps them: a page needed again,
    /// when a signal comes or the app exits, is mapped back by a minor fault. Without this an idle
    /// prestart shows ~18 MB resident where tini shows ~1 MB.
    ///
    /// - Important: `MADV_DONTNEED` discards a private mapping's own copies of pages, so only mappings that
    ///   have none qualify: file-backed, not writable, and with `Anonymous: 0 kB` in `/proc/self/smaps`.
    ///   That leaves out the relocated read-only data (RELRO: written by the loader, then made read-only),
    ///   whose pages are such copies.
    static func release() {
        guard let smaps = try? FileSystem.readText(atPath: "/proc/self/smaps") else { return }
        var candidate: (address: UnsafeMutableRawPointer, length: Int)?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-") {
                // start-end perms offset dev inode path
                candidate = nil
                let bounds = first.split(separator: "-")
                guard fields.count >= 6, fields[1] == "r-xp" || fields[1] == "r--p", fields[5].hasPrefix("/"),
                    bounds.count == 2,
                    let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                    let address = UnsafeMutableRawPointer(bitPattern: start)
                else { continue }
                candidate = (address, Int(end - start))
            } else if first == "Anonymous:", let mapping = candidate {
                candidate = nil
                if fields.count >= 2, fields[1] == "0" { _ = madvise(mapping.address, mapping.length, MADV_DONTNEED) }
            }
        }
    }
}

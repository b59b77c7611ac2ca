import Glibc

/// What prestart's memory costs while it only waits for the app.
enum IdleMemory {
    /// Gives back the file pages that start-up touched (argument parsing, TOML, the step graph, the Swift runtime's
    /// metadata: most of what is resident) and supervising no longer needs. A page needed again, when a signal
    /// comes or the app exits, is mapped back by a fault. Without this an idle prestart shows ~16 MB resident where
    /// tini shows ~1.3 MB.
    ///
    /// Two kinds of mapping, two calls:
    /// - Read-only file mappings with no private copies (`Anonymous: 0 kB` in `/proc/self/smaps`: code and
    ///   constants) get `MADV_DONTNEED`, which only unmaps them; the page cache keeps the pages, so mapping one back
    ///   is a minor fault.
    /// - Writable file mappings (the binary's `.data`: ~2 MB of Swift metadata that start-up reads but mostly never
    ///   writes) get `MADV_PAGEOUT` (Linux 5.4), which reclaims the clean file pages and keeps every written one:
    ///   without swap it cannot page those out, with swap it writes them there. An older kernel refuses it and
    ///   those pages stay.
    ///
    /// - Important: `MADV_DONTNEED` discards a private mapping's own copies of pages, so it is never used on a
    ///   mapping that has any: writable ones, and the relocated read-only data (RELRO: written by the loader, then
    ///   made read-only), whose pages are such copies.
    static func release() {
        guard let smaps = try? FileSystem.readText(atPath: "/proc/self/smaps") else { return }
        var releases: [(address: UnsafeMutableRawPointer, length: Int, advice: Int32)] = []
        var candidate: (address: UnsafeMutableRawPointer, length: Int, writable: Bool)?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.contains("-") {
                // start-end perms offset dev inode path
                candidate = nil
                let bounds = first.split(separator: "-")
                guard fields.count >= 6, fields[5].hasPrefix("/"),
                    fields[1] == "r-xp" || fields[1] == "r--p" || fields[1] == "rw-p",
                    bounds.count == 2,
                    let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16),
                    let address = UnsafeMutableRawPointer(bitPattern: start)
                else { continue }
                candidate = (address, Int(end - start), fields[1] == "rw-p")
            } else if first == "Anonymous:", let mapping = candidate {
                candidate = nil
                if mapping.writable {
                    releases.append((mapping.address, mapping.length, MADV_PAGEOUT))
                } else if fields.count >= 2, fields[1] == "0" {
                    releases.append((mapping.address, mapping.length, MADV_DONTNEED))
                }
            }
        }
        for release in releases {
            _ = madvise(release.address, release.length, release.advice)
        }
    }
}

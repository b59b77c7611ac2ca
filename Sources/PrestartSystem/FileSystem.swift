import Glibc

/// The few file operations prestart needs, without Foundation (start-up time is the product).
public enum FileSystem {
    /// Reads a whole file as UTF-8 (invalid bytes become U+FFFD).
    public static func readText(atPath path: String) throws(SystemError) -> String {
        let bytes = try readBytes(atPath: path)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads a file that must be UTF-8 text (a config, SQL, a secret), refusing other bytes instead of replacing
    /// them with U+FFFD: a Latin-1 `café` would otherwise reach the database as `caf\u{FFFD}`.
    public static func readUTF8Text(atPath path: String) throws(SystemError) -> String {
        let bytes = try readBytes(atPath: path)
        if let invalid = invalidUTF8(in: bytes) {
            throw SystemError("\(path) is not UTF-8 text (\(invalid))", errno: EILSEQ)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Where bytes first stop being UTF-8: `byte 0xE9 at line 3, column 7`.
    public struct InvalidUTF8: Sendable, CustomStringConvertible {
        public var byte: UInt8
        public var line: Int
        public var column: Int

        /// `0xE9`.
        public var hexByte: String {
            let hex = String(byte, radix: 16, uppercase: true)
            return "0x\(hex.count == 1 ? "0" : "")\(hex)"
        }

        public var description: String { "byte \(hexByte) at line \(line), column \(column)" }
    }

    /// Where `bytes` first stop being UTF-8; nil when they are UTF-8.
    public static func invalidUTF8(in bytes: [UInt8]) -> InvalidUTF8? {
        // Most SQL is ASCII, which is UTF-8: one vectorizable pass instead of the scalar parser below, which costs
        // ~27 instructions a byte (2.5 M of the 1000-migration no-op).
        if bytes.allSatisfy({ $0 < 0x80 }) { return nil }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var (offset, line, column) = (0, 1, 1)
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                if scalar.count == 1, scalar.first == UInt8(ascii: "\n") {
                    (line, column) = (line + 1, 1)
                } else {
                    column += 1
                }
                offset += scalar.count
            case .error:
                return InvalidUTF8(byte: bytes[offset], line: line, column: column)
            case .emptyInput:
                return nil
            }
        }
    }

    /// How much of something that is not a regular file (a pipe, a device) `readBytes` reads before giving up.
    static let nonRegularLimit = 16 << 20

    public static func readBytes(atPath path: String) throws(SystemError) -> [UInt8] {
        // Opened without blocking: a named pipe would otherwise hold prestart's start until a writer comes. Reads
        // block again; a pipe without a writer ends at once, and is an error rather than an empty secret.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw SystemError("cannot open \(path)") }
        defer { close(fd) }
        var info = stat()
        let known = fstat(fd, &info) == 0
        let isRegular = known && info.st_mode & S_IFMT == S_IFREG
        let isPipe = known && info.st_mode & S_IFMT == S_IFIFO
        // O_NONBLOCK changes nothing for a regular file's reads: a migration folder's thousand files need not pay
        // a system call each to clear it.
        if !isRegular { _ = fcntl(fd, F_SETFL, 0) }
        // Sized to the file: a migration folder holds a thousand small files, read on every start.
        let expected = isRegular && info.st_size > 0 ? Int(info.st_size) : 0
        // A pipe or a device (`${file:/dev/zero}`) may never end.
        let limit = isRegular ? Int.max : nonRegularLimit
        var result = [UInt8](repeating: 0, count: expected + 1)
        var filled = 0
        while true {
            guard filled <= limit else {
                throw SystemError(
                    "\(path) is not a regular file and did not end within \(limit >> 20) MiB", errno: EFBIG)
            }
            if filled == result.count { result.append(contentsOf: repeatElement(0, count: max(4096, filled))) }
            let room = result.count - filled
            let count = result.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, room) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError("cannot read \(path)")
            }
            if count == 0 {
                guard filled > 0 || !isPipe else {
                    throw SystemError("\(path) is a pipe that nothing was written to", errno: ENODATA)
                }
                break
            }
            filled += count
            // A regular file reads short only at its end: once fstat's size is read, a short read needs no second
            // one to be told so (the buffer has a byte more than that size, so a file that grew since fstat fills
            // it and is read on). Not for files that report no size: /proc's come a page per read.
            if isRegular && expected > 0 && filled >= expected && count < room { break }
        }
        result.removeLast(result.count - filled)
        return result
    }

    /// Writes `bytes` to `path` through a temporary file and `rename`, so a reader never sees half a file.
    public static func writeAtomically(_ bytes: [UInt8], toPath path: String) throws(SystemError) {
        let temporary = path + ".tmp.\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SystemError("cannot create \(temporary)") }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = SystemError("cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            written += count
        }
        if close(fd) != 0 {
            let error = SystemError("cannot write \(temporary)")
            unlink(temporary)
            throw error
        }
        if rename(temporary, path) != 0 {
            let error = SystemError("cannot rename \(temporary) to \(path)")
            unlink(temporary)
            throw error
        }
    }

    /// The names in a folder, without `.` and `..`.
    public static func list(_ directory: String) throws(SystemError) -> [String] {
        guard let handle = opendir(directory) else { throw SystemError("cannot open \(directory)") }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    public static var currentDirectory: String {
        guard let pointer = getcwd(nil, 0) else { return "." }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}

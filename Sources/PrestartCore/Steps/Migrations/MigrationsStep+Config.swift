import PrestartDatabase
import PrestartSystem

extension MigrationsStep {
    public init(reading reader: StepTable) throws(ConfigError) {
        let dialect = try reader.database().url.dialect
        guard let directory = try reader.path("dir") else {
            throw reader.error(key: "dir", "is required: the folder of migration scripts, e.g. dir = \"migrations\"")
        }
        if let toolStep = try Self.readTool(reader, directory: directory) {
            self = toolStep
            return
        }
        let names: [String]
        do {
            names = try FileSystem.list(directory)
        } catch {
            throw reader.error(key: "dir", "cannot read the folder: \(error)")
        }
        var files: [File] = []
        for name in MigrationOrder.sorted(names) where !name.hasPrefix(".") {
            let file = directory + "/" + name
            let bytes: [UInt8]
            do {
                bytes = try FileSystem.readBytes(atPath: file)
            } catch {
                throw reader.error(key: "dir", "cannot read \(name): \(error)")
            }
            let body: Body
            if name.hasSuffix(".sql") {
                if let invalid = FileSystem.invalidUTF8(in: bytes) {
                    throw reader.error(key: "dir", "\(name) is not UTF-8 text (\(invalid)); save it as UTF-8")
                }
                let transactional = !Self.optsOutOfTheTransaction(bytes)
                body = .sql(utf8: bytes, dialect: dialect, transactional: transactional)
            } else if FileSystem.isExecutableFile(file) {
                body = .executable
            } else {
                throw reader.error(
                    key: "dir",
                    "\(Path.relative(file, to: reader.directory)) is neither a .sql file nor an executable: "
                        + "chmod +x it, or move it out of the folder")
            }
            files.append(File(name: "\(reader.name)/\(name)", path: file, checksum: Checksum.sha256(bytes), body: body))
        }
        self.init(directory: directory, files: files)
    }

    /// Whether the file's first line, trimmed, is `-- prestart:no-transaction`. Decided on the bytes when the
    /// line is ASCII around the marker; decoding and trimming a String for every file cost ~2,400 instructions a
    /// file on every run, for a line that almost never is the marker.
    static func optsOutOfTheTransaction(_ bytes: [UInt8]) -> Bool {
        let marker = "-- prestart:no-transaction"
        let line = bytes.prefix { $0 != UInt8(ascii: "\n") }
        // Unicode's White_Space in ASCII, as `Character.isWhitespace` has it.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }
        guard let start = line.firstIndex(where: { !isSpace($0) }) else { return false }
        let text = line[start...]
        if text.first == UInt8(ascii: "-") {
            guard text.starts(with: marker.utf8) else { return false }
            let rest = text.dropFirst(marker.utf8.count)
            if rest.allSatisfy(isSpace) { return true }
            guard rest.contains(where: { $0 >= 0x80 }) else { return false }
        } else if text.first.map({ $0 < 0x80 }) == true {
            return false
        }
        // A non-ASCII byte where it matters (a no-break space, a combining mark): as Swift's Characters trim it.
        return String(decoding: line, as: UTF8.self).trimmingWhitespace() == marker
    }
}

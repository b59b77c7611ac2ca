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
        let ordered = MigrationOrder.sorted(names).filter { !$0.hasPrefix(".") }
        // Every file is read, checked and hashed on every run; spread over the cores, since a folder holds hundreds.
        let loaded = ParallelWork.map(count: ordered.count) { index in
            Loaded(directory + "/" + ordered[index], sql: ordered[index].hasSuffix(".sql"))
        }
        var files: [File] = []
        files.reserveCapacity(ordered.count)
        for (name, file) in zip(ordered, loaded) {
            let body: Body
            switch file.content {
            case .failure(let error):
                throw reader.error(key: "dir", "cannot read \(name): \(error)")
            case .success(let bytes):
                if name.hasSuffix(".sql") {
                    if let invalid = file.invalidUTF8 {
                        throw reader.error(key: "dir", "\(name) is not UTF-8 text (\(invalid)); save it as UTF-8")
                    }
                    body = .sql(utf8: bytes, dialect: dialect, transactional: !file.optsOut)
                } else if FileSystem.isExecutableFile(file.path) {
                    body = .executable
                } else {
                    throw reader.error(
                        key: "dir",
                        "\(Path.relative(file.path, to: reader.directory)) is neither a .sql file nor an executable: "
                            + "chmod +x it, or move it out of the folder")
                }
            }
            files.append(File(name: "\(reader.name)/\(name)", path: file.path, checksum: file.checksum, body: body))
        }
        self.init(directory: directory, files: files)
    }

    /// One file of the folder as read, checked and hashed on one of `ParallelWork`'s threads; the errors are
    /// raised afterwards, in the folder's order.
    private struct Loaded: Sendable {
        var path: String
        var content: Result<[UInt8], SystemError>
        var checksum = ""
        var invalidUTF8: FileSystem.InvalidUTF8?
        var optsOut = false

        init(_ path: String, sql: Bool) {
            self.path = path
            do {
                let bytes = try FileSystem.readBytes(atPath: path)
                content = .success(bytes)
                checksum = Checksum.sha256(bytes)
                if sql {
                    invalidUTF8 = FileSystem.invalidUTF8(in: bytes)
                    optsOut = MigrationsStep.optsOutOfTheTransaction(bytes)
                }
            } catch {
                content = .failure(error)
            }
        }
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

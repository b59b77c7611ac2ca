import PrestartDatabase
import PrestartSystem

extension MigrationsStep {
    public init(reading reader: StepTable) throws(ConfigError) {
        let dialect = try reader.database().url.dialect
        guard let directory = try reader.path("dir") else {
            throw reader.error(key: "dir", "is required: the folder of migration scripts, e.g. dir = \"migrations\"")
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
                let firstLine = String(decoding: bytes.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
                let transactional = firstLine.trimmingWhitespace() != "-- prestart:no-transaction"
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
}

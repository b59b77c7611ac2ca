import PrestartDatabase
import PrestartSystem

extension MigrationsStep {
    /// `format`, and for another tool's format the folder read as that tool reads it; nil for prestart's own.
    static func readTool(_ reader: StepTable, directory: String) throws(ConfigError) -> (Self)? {
        let format: MigrationFormat
        if let text = try reader.string("format") {
            guard let known = MigrationFormat(rawValue: text) else {
                let names = MigrationFormat.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                throw reader.error(key: "format", "\"\(text)\" is not a migration format (expected one of: \(names))")
            }
            format = known
        } else {
            format = .prestart
        }
        guard format != .prestart else {
            for key in ["table", "mirror", "out-of-order", "placeholders"] where reader.has(key) {
                throw reader.error(key: key, "applies only with format = \"golang-migrate\", \"dbmate\", …")
            }
            return nil
        }
        guard MigrationFormat.supported.contains(format) else {
            let names = MigrationFormat.supported.dropFirst().map { "\"\($0.rawValue)\"" }.joined(separator: " and ")
            throw reader.error(
                key: "format",
                "\"\(format.rawValue)\" is not supported by this version of prestart yet (it reads \(names) folders); "
                    + "keep running \(format.rawValue) itself for this folder")
        }
        guard try reader.database().url.dialect == .postgres else {
            throw reader.error(
                key: "format", "\"\(format.rawValue)\" folders are supported on PostgreSQL only in this version")
        }
        let table = try reader.string("table") ?? format.defaultTable
        let parts = table.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }) else {
            throw reader.error(key: "table", "\"\(table)\" is not a table name: write \"NAME\" or \"SCHEMA.NAME\"")
        }
        let outOfOrder = try reader.string("out-of-order")
        guard outOfOrder == nil || outOfOrder == "apply" || outOfOrder == "refuse" else {
            throw reader.error(key: "out-of-order", "must be \"apply\" or \"refuse\", not \"\(outOfOrder ?? "")\"")
        }
        if format != .flyway, reader.has("placeholders") {
            throw reader.error(key: "placeholders", "applies only with format = \"flyway\"")
        }
        let placeholders = try reader.stringTable("placeholders").map { Dictionary($0, uniquingKeysWith: { $1 }) }
        var names: [String] = []
        // Flyway scans its locations recursively; the other tools read one folder.
        var folders = [""]
        while let folder = folders.popLast() {
            let entries: [String]
            do {
                entries = try FileSystem.list(directory + "/" + folder)
            } catch {
                throw reader.error(key: "dir", "cannot read the folder: \(error)")
            }
            for entry in entries where !entry.hasPrefix(".") {
                let relative = folder + entry
                if FileSystem.isDirectory(directory + "/" + relative) {
                    if format == .flyway { folders.append(relative + "/") }
                } else {
                    names.append(relative)
                }
            }
        }
        var contents: [String: [UInt8]] = [:]
        let read = { (name: String) throws -> [UInt8] in
            let bytes = try FileSystem.readBytes(atPath: directory + "/" + name)
            contents[name] = bytes
            return bytes
        }
        let folder: ToolFolder
        do throws(FormatError) {
            switch format {
            case .golangMigrate: folder = try GolangMigrateFolder.read(names, read: read)
            case .dbmate: folder = try DbmateFolder.read(names, read: read)
            case .goose: folder = try GooseFolder.read(names, read: read)
            case .sqlx: folder = try SqlxFolder.read(names, read: read)
            case .flyway: folder = try FlywayFolder.read(names, read: read, placeholders: placeholders)
            case .prestart: preconditionFailure("not a supported tool format")
            }
        } catch {
            throw reader.error(
                key: "dir", "\(Path.relative(directory + "/" + error.file, to: reader.directory)): \(error.message)")
        }
        let files = folder.migrations.map { migration in
            let bytes = contents[migration.fileName] ?? []
            return File(
                name: "\(reader.name)/\(migration.fileName)", path: directory + "/" + migration.fileName,
                checksum: Checksum.sha256(bytes), body: .tool(migration, utf8: bytes))
        }
        let tool = ToolSettings(
            format: format, table: table, mirror: try reader.bool("mirror") ?? true,
            outOfOrderApply: outOfOrder.map { $0 == "apply" } ?? format.appliesOutOfOrderByDefault, folder: folder,
            lockTimeout: try reader.database().lockTimeout)
        return MigrationsStep(directory: directory, files: files, tool: tool)
    }
}

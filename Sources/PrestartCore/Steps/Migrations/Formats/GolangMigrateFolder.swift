import PrestartSystem

/// golang-migrate's folder (`source/parse.go`, `source/iofs/iofs.go`): `VERSION_TITLE.up.sql` and
/// `VERSION_TITLE.down.sql`, the version a uint64 whose leading zeros do not count.
enum GolangMigrateFolder {
    /// Reads `names` (the folder's entries) with `read` giving a file's bytes.
    ///
    /// Names that do not look like a migration are ignored, as golang-migrate ignores them. Names it would pick up
    /// although they are not SQL (`1_a.up.sql.bak`: it does not check the extension) are errors, as are two files
    /// with one version and direction, and a version with a down file but no up file (golang-migrate would record
    /// it as applied without running anything).
    static func read(
        _ names: [String], read: (String) throws -> [UInt8]
    ) throws(FormatError) -> ToolFolder {
        struct Found {
            var up: String?
            var down: String?
        }
        var byVersion: [UInt64: Found] = [:]
        var ignored: [String] = []
        for name in names.sorted() {
            guard let parsed = parse(name) else {
                ignored.append(name)
                continue
            }
            guard parsed.extension == "sql" else {
                throw FormatError(
                    file: name,
                    "golang-migrate would run this file as a migration (it does not check the extension after "
                        + ".\(parsed.direction).), but it is not a .sql file: rename or move it")
            }
            guard let version = UInt64(parsed.digits) else {
                // ParseUint fails: golang-migrate skips the file.
                ignored.append(name)
                continue
            }
            var found = byVersion[version] ?? Found()
            let existing = parsed.direction == "up" ? found.up : found.down
            if let existing {
                throw FormatError(
                    file: name,
                    "has the same version (\(version)) and direction as \(existing); golang-migrate refuses the "
                        + "folder: renumber one of them")
            }
            if parsed.direction == "up" { found.up = name } else { found.down = name }
            byVersion[version] = found
        }
        var migrations: [ToolMigration] = []
        for version in byVersion.keys.sorted() {
            let found = byVersion[version]!
            guard let up = found.up else {
                throw FormatError(
                    file: found.down!,
                    "has no .up.sql beside it: golang-migrate would record version \(version) as applied without "
                        + "running anything; add an empty \(found.down!.replacingSuffix(".down.sql", with: ".up.sql"))")
            }
            let text = try ToolFolder.text(of: up, read: read)
            let part = ToolMigration.Part(sql: text, mode: .simpleQuery, firstLine: 1)
            migrations.append(ToolMigration(version: String(version), fileName: up, parts: [part], singleTransaction: false))
        }
        return ToolFolder(migrations: migrations, ignored: ignored)
    }

    /// `^([0-9]+)_(.*)\.(down|up)\.(.*)$`, greedy as Go's RE2 is: the last `.up.` or `.down.` splits.
    static func parse(_ name: String) -> (digits: Substring, direction: String, extension: Substring)? {
        let digits = name.prefix { ("0"..."9").contains($0) && $0.isASCII }
        guard !digits.isEmpty, name.dropFirst(digits.count).first == "_" else { return nil }
        let rest = name.dropFirst(digits.count + 1)
        // (.*) is greedy: the title takes as much as it can, so the last marker wins.
        var best: (direction: String, extension: Substring, at: String.Index)?
        for direction in ["up", "down"] {
            let marker = ".\(direction)."
            var searchStart = rest.startIndex
            while let range = rest[searchStart...].firstRange(of: marker) {
                if best == nil || range.lowerBound > best!.at {
                    best = (direction, rest[range.upperBound...], range.lowerBound)
                }
                searchStart = rest.index(after: range.lowerBound)
            }
        }
        guard let best else { return nil }
        return (digits, best.direction, best.extension)
    }
}

extension String {
    func replacingSuffix(_ suffix: String, with replacement: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) + replacement : self
    }
}

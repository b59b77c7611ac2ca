import PrestartSystem

/// dbmate's folder (`pkg/dbmate/db.go`, `migration.go`): `^(\d+).*\.sql$`, the version the leading digits kept as
/// text, files in name order; in each file `-- migrate:up` and `-- migrate:down` sections, several pairs allowed.
enum DbmateFolder {
    static func read(
        _ names: [String], read: (String) throws -> [UInt8]
    ) throws(FormatError) -> ToolFolder {
        var ignored: [String] = []
        var migrations: [ToolMigration] = []
        var files: [String: String] = [:]
        // dbmate sorts by the whole name, as bytes (Go's string order).
        for name in names.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let digits = name.utf8.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            guard !digits.isEmpty, name.hasSuffix(".sql") else {
                ignored.append(name)
                continue
            }
            let version = String(decoding: digits, as: UTF8.self)
            if let other = files[version] {
                // dbmate itself would count the second file as applied with the first, and never run it.
                throw FormatError(
                    file: name,
                    "has the same version (\(version)) as \(other); dbmate would silently never run one of them: "
                        + "renumber it")
            }
            files[version] = name
            let text = try ToolFolder.text(of: name, read: read)
            do throws(FormatError) {
                let parts = try sections(of: text)
                migrations.append(
                    ToolMigration(
                        version: version, fileName: name, parts: parts,
                        singleTransaction: parts.count == 1 && parts[0].mode == .transaction))
            } catch {
                throw FormatError(file: name, error.message)
            }
        }
        return ToolFolder(migrations: migrations, ignored: ignored)
    }

    /// The up sections of a file, each from its marker line (included, as dbmate sends it) to the next marker.
    static func sections(of text: String) throws(FormatError) -> [ToolMigration.Part] {
        var markers: [(marker: Marker, line: Int, start: String.Index, transactional: Bool)] = []
        var lineNumber = 0
        var sawStatement = false
        var index = text.startIndex
        while index < text.endIndex {
            lineNumber += 1
            // "\r\n" is one Character in Swift.
            let end = text[index...].firstIndex { $0 == "\n" || $0 == "\r\n" } ?? text.endIndex
            let line = text[index..<end]
            if let (marker, options) = Self.marker(line) {
                if markers.isEmpty && marker == .down {
                    throw FormatError(file: "", "line \(lineNumber): '-- migrate:down' before any '-- migrate:up'")
                }
                if let last = markers.last, last.marker == marker {
                    throw FormatError(
                        file: "",
                        "line \(lineNumber): a second '-- migrate:\(marker == .up ? "up" : "down")' without a "
                            + "'-- migrate:\(marker == .up ? "down" : "up")' between them")
                }
                if markers.isEmpty && sawStatement {
                    throw FormatError(file: "", "statements before '-- migrate:up'; dbmate refuses them")
                }
                markers.append((marker, lineNumber, index, options["transaction"] != "false"))
            } else if markers.isEmpty {
                let trimmed = line.trimmingWhitespace()
                if !trimmed.isEmpty && !trimmed.hasPrefix("--") { sawStatement = true }
            }
            index = end < text.endIndex ? text.index(after: end) : end
        }
        guard let first = markers.first, first.marker == .up else {
            throw FormatError(file: "", "has no '-- migrate:up' line; dbmate requires one")
        }
        guard markers.last?.marker == .down else {
            throw FormatError(file: "", "has no '-- migrate:down' after its last '-- migrate:up'; dbmate requires one")
        }
        var parts: [ToolMigration.Part] = []
        for (position, marker) in markers.enumerated() where marker.marker == .up {
            let sql = String(text[marker.start..<markers[position + 1].start])
            parts.append(
                ToolMigration.Part(sql: sql, mode: marker.transactional ? .transaction : .noTransaction, firstLine: marker.line))
        }
        return parts
    }

    enum Marker { case up, down }

    /// `(?m)^--\s*migrate:(up|down)(\s*$|\s+\S+)`, then the `key:value` options after it.
    static func marker(_ line: Substring) -> (Marker, [String: String])? {
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" || c == "\u{0B}" || c == "\u{0C}" }
        guard line.hasPrefix("--") else { return nil }
        var rest = line.dropFirst(2).drop(while: isSpace)
        guard rest.hasPrefix("migrate:") else { return nil }
        rest = rest.dropFirst("migrate:".count)
        let marker: Marker
        if rest.hasPrefix("up") {
            marker = .up
            rest = rest.dropFirst(2)
        } else if rest.hasPrefix("down") {
            marker = .down
            rest = rest.dropFirst(4)
        } else {
            return nil
        }
        if let first = rest.first, !isSpace(first) { return nil }
        var options: [String: String] = [:]
        for pair in rest.split(whereSeparator: isSpace) {
            let halves = pair.split(separator: ":", omittingEmptySubsequences: false)
            if halves.count == 2 { options[String(halves[0])] = String(halves[1]) }
        }
        return (marker, options)
    }
}

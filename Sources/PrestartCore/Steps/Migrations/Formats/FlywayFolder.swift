import PrestartDatabase
import PrestartSystem

/// Flyway's folder, SQL migrations only (`ResourceNameParser.java`, `MigrationVersion.java`,
/// `ChecksumCalculator.java`, `PostgreSQLParser.java`): `V<version>__<description>.sql` in version order, then
/// `R__<description>.sql` repeatables by description; `U…` undo files never run. A `….sql.conf` beside a file may set
/// `executeInTransaction`; `${name}` placeholders come from the step's `placeholders`. What prestart does not do
/// (baseline `B…` migrations, callbacks, built-in placeholders) is refused, naming the file.
enum FlywayFolder {
    /// Flyway's callbacks (`Event`): SQL files Flyway runs around a migration, which prestart does not.
    static let callbacks = [
        "beforeMigrate", "beforeEachMigrate", "beforeEachMigrateStatement", "afterEachMigrateStatement",
        "afterEachMigrateStatementError", "afterEachMigrate", "afterEachMigrateError", "afterMigrate",
        "afterMigrateApplied", "afterVersioned", "afterMigrateError", "beforeValidate", "afterValidate",
        "afterValidateError", "beforeConnect", "afterConnect", "beforeClean", "afterClean", "beforeInfo", "afterInfo",
        "beforeRepair", "afterRepair", "beforeBaseline", "afterBaseline", "beforeUndo", "afterUndo",
        "createSchema", "beforeCreateSchema",
    ]

    /// `names` are paths relative to the folder (Flyway scans it recursively).
    static func read(
        _ names: [String], read: (String) throws -> [UInt8], placeholders: [String: String]?
    ) throws(FormatError) -> ToolFolder {
        var ignored: [String] = []
        var versioned: [(version: [String], migration: ToolMigration)] = []
        var repeatable: [ToolMigration] = []
        var byVersion: [[String]: String] = [:]
        let nameSet = Set(names)
        for path in names.sorted() {
            let base = String(path.split(separator: "/").last ?? Substring(path))
            let lower = base.lowercased()
            if lower.hasSuffix(".sql.conf"), nameSet.contains(String(path.dropLast(".conf".count))) { continue }
            guard lower.hasSuffix(".sql") else {
                ignored.append(path)
                continue
            }
            let stem = String(base.dropLast(4))
            let event = String(stem.prefix { $0 != "_" })
            if callbacks.contains(event) {
                throw FormatError(file: path, "is a Flyway callback, which prestart does not run: move it out of the folder")
            }
            guard let prefix = stem.first, "VRUB".contains(prefix), let separator = stem.firstRange(of: "__") else {
                ignored.append(path)
                continue
            }
            let versionText = String(stem[stem.index(after: stem.startIndex)..<separator.lowerBound])
            let description = String(stem[separator.upperBound...]).replacing("_", with: " ")
            switch prefix {
            case "U":
                ignored.append(path)
                continue
            case "B":
                throw FormatError(
                    file: path, "is a Flyway baseline migration, which this version of prestart does not read yet: keep running Flyway for this folder")
            case "R":
                guard versionText.isEmpty else {
                    throw FormatError(file: path, "a repeatable migration has no version: R__description.sql")
                }
            default:
                break
            }
            let conf = try Self.conf(path: path + ".conf", exists: nameSet.contains(path + ".conf"), read: read)
            var text = try ToolFolder.text(of: path, read: read)
            let raw = text
            if conf.placeholderReplacement {
                do throws(FormatError) {
                    text = try replacePlaceholders(in: text, placeholders)
                } catch {
                    throw FormatError(file: path, error.message)
                }
            }
            // Versioned migrations are checksummed before placeholder replacement, repeatables after it.
            let checksum = Self.checksum(prefix == "R" ? text : raw)
            let script = SQLScript(text, dialect: .postgres)
            var nonTransactional: [Int] = []
            for statement in script.statements where !canRunInTransaction(statement.originalText) {
                nonTransactional.append(statement.firstTokenLine)
            }
            let transactional: Bool
            if let explicit = conf.executeInTransaction {
                transactional = explicit
            } else if nonTransactional.isEmpty {
                transactional = true
            } else if nonTransactional.count == script.statements.count {
                transactional = false
            } else {
                throw FormatError(
                    file: path,
                    "line \(nonTransactional[0]): a statement PostgreSQL cannot run in a transaction, beside ones that "
                        + "can; Flyway refuses the mix too: put it in a file of its own")
            }
            let parts = script.statements.map {
                ToolMigration.Part(
                    sql: $0.originalText, mode: transactional ? .transaction : .noTransaction, firstLine: $0.firstTokenLine)
            }
            var migration = ToolMigration(
                version: prefix == "R" ? "" : versionText.replacing("_", with: "."), fileName: path, parts: parts,
                singleTransaction: transactional)
            migration.description = description
            migration.toolChecksum = String(checksum)
            migration.isRepeatable = prefix == "R"
            if prefix == "R" {
                repeatable.append(migration)
                continue
            }
            guard let version = normalizedVersion(migration.version) else {
                throw FormatError(file: path, "'\(versionText)' is not a Flyway version: it may only contain 0..9 and . (dot)")
            }
            if let other = byVersion[version] {
                throw FormatError(file: path, "has the same version as \(other); Flyway refuses the folder")
            }
            byVersion[version] = path
            versioned.append((version, migration))
        }
        let ordered =
            versioned.sorted { compare($0.version, $1.version) }.map(\.migration)
            + repeatable.sorted { $0.description.utf16.lexicographicallyPrecedes($1.description.utf16) }
        return ToolFolder(migrations: ordered, ignored: ignored)
    }

    /// `1.01.0` → ["1", "1"]: parts as numbers (leading zeros dropped), trailing zero parts removed; nil when not a
    /// version.
    static func normalizedVersion(_ text: String) -> [String]? {
        guard !text.isEmpty, text.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) else { return nil }
        var parts = text.split(separator: ".", omittingEmptySubsequences: false).map { part -> String in
            let digits = part.drop { $0 == "0" }
            return digits.isEmpty ? "0" : String(digits)
        }
        guard !text.hasPrefix("."), !text.hasSuffix("."), !text.contains("..") else { return nil }
        while parts.count > 1, parts.last == "0" { parts.removeLast() }
        return parts
    }

    /// Whether `left` is a lower version than `right`: part by part as numbers, a missing part counting as 0.
    static func compare(_ left: [String], _ right: [String]) -> Bool {
        for index in 0..<max(left.count, right.count) {
            let a = index < left.count ? left[index] : "0"
            let b = index < right.count ? right[index] : "0"
            if a.count != b.count { return a.count < b.count }
            if a != b { return a < b }
        }
        return false
    }

    /// Flyway's checksum: CRC-32 of each line's UTF-8 bytes, line endings excluded and a BOM dropped, as a signed
    /// int32. Updating one CRC line by line is the CRC of the lines joined.
    static func checksum(_ text: String) -> Int32 {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        bytes.removeAll { $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        return Int32(bitPattern: CRC32.checksum(bytes))
    }

    /// `PostgreSQLParser.detectCanExecuteInTransaction`.
    static func canRunInTransaction(_ statement: String) -> Bool {
        let words = statement.uppercased().split(whereSeparator: { $0.isWhitespace }).prefix(4).map(String.init)
        func starts(_ prefix: [String]) -> Bool { words.starts(with: prefix) }
        if starts(["CREATE", "INDEX", "CONCURRENTLY"]) || starts(["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"])
            || starts(["DROP", "INDEX", "CONCURRENTLY"])
        {
            return false
        }
        if starts(["REINDEX", "SCHEMA"]) || starts(["REINDEX", "DATABASE"]) || starts(["REINDEX", "SYSTEM"])
            || starts(["REINDEX", "VERBOSE", "SCHEMA"]) || starts(["REINDEX", "VERBOSE", "DATABASE"])
            || starts(["REINDEX", "VERBOSE", "SYSTEM"])
        {
            return false
        }
        if words.first == "VACUUM" || starts(["ALTER", "SYSTEM"]) || starts(["DISCARD", "ALL"]) { return false }
        for object in ["DATABASE", "TABLESPACE", "SUBSCRIPTION"] where starts(["CREATE", object]) || starts(["DROP", object]) {
            return false
        }
        return true
    }

    /// `${name}` replaced from the step's `placeholders`; without them any placeholder is an error, as is one with no
    /// value and Flyway's built-ins (`${flyway:…}`), which prestart does not fill in.
    static func replacePlaceholders(in text: String, _ placeholders: [String: String]?) throws(FormatError) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                output += rest[open.lowerBound...]
                rest = ""
                break
            }
            let name = String(rest[open.upperBound..<close])
            if name.hasPrefix("flyway:") {
                throw FormatError(file: "", "uses Flyway's built-in placeholder ${\(name)}, which prestart does not fill in")
            }
            guard let placeholders else {
                throw FormatError(
                    file: "", "uses the placeholder ${\(name)}: set placeholders = { \(name) = \"…\" } on the step")
            }
            guard let value = placeholders[name] else {
                throw FormatError(file: "", "uses the placeholder ${\(name)}, which placeholders does not set")
            }
            output += value
            rest = rest[rest.index(after: close)...]
        }
        return output + rest
    }

    struct Conf {
        var executeInTransaction: Bool?
        var placeholderReplacement = true
    }

    /// A `….sql.conf` (Script Configuration): `executeInTransaction`, `placeholderReplacement`, `encoding` (UTF-8).
    static func conf(path: String, exists: Bool, read: (String) throws -> [UInt8]) throws(FormatError) -> Conf {
        var conf = Conf()
        guard exists else { return conf }
        let bytes = try ToolFolder.bytes(of: path, read: read)
        for (number, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingWhitespace()
            if text.isEmpty || text.hasPrefix("#") { continue }
            let pair = text.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard pair.count == 2 else { throw FormatError(file: path, "line \(number + 1): not key=value") }
            switch (pair[0], pair[1].lowercased()) {
            case ("executeInTransaction", "true"), ("executeInTransaction", "false"):
                conf.executeInTransaction = pair[1].lowercased() == "true"
            case ("placeholderReplacement", "true"), ("placeholderReplacement", "false"):
                conf.placeholderReplacement = pair[1].lowercased() == "true"
            case ("encoding", "utf-8"), ("encoding", "utf8"):
                break
            default:
                throw FormatError(file: path, "line \(number + 1): '\(text)' is a setting prestart does not read")
            }
        }
        return conf
    }
}

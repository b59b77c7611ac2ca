import Glibc
import TOMLKit
import PrestartDatabase
public import PrestartSystem

/// An Alembic project read from disk as Alembic reads it: the ini's `script_location` and `version_locations`,
/// `env.py` (its version table), and every revision file, down to the head(s) the database must be at for `run`
/// to have nothing to do: the one head for `upgrade head`, every head for `upgrade heads`. Whatever prestart
/// cannot be sure of is ``AlembicUnsure``.
public struct AlembicProject: Sendable {
    public struct Head: Sendable, Equatable {
        public var revision: String
        /// Relative to the step's workdir when it lies inside it.
        public var file: String
    }

    /// The heads `run` upgrades to, sorted by revision: one, or several with `upgrade heads`.
    public var heads: [Head]
    public var revisionCount: Int
    /// Where env.py keeps the applied revisions.
    public var versionTable: VersionTable
    /// The rows the version table holds at the heads, sorted: every head but those another head depends on.
    public var rows: [String]

    /// `rows` default to the heads: right when no head depends on another.
    public init(heads: [Head], revisionCount: Int, versionTable: VersionTable = .standard, rows: [String]? = nil) {
        precondition(!heads.isEmpty, "a project has at least one head")
        self.heads = heads.sorted { $0.revision < $1.revision }
        self.revisionCount = revisionCount
        self.versionTable = versionTable
        self.rows = (rows ?? heads.map(\.revision)).sorted()
    }

    public init(head: Head, revisionCount: Int, versionTable: VersionTable = .standard) {
        self.init(heads: [head], revisionCount: revisionCount, versionTable: versionTable)
    }

    /// The head, or the heads as one: revisions and files each joined with ", " (what `check`, `plan`, `status`
    /// and the report's `revision` show).
    public var head: Head {
        guard heads.count > 1 else { return heads[0] }
        return Head(
            revision: heads.map(\.revision).joined(separator: ", "), file: heads.map(\.file).joined(separator: ", "))
    }

    /// Reads the project. `config` is the ini's absolute path; `workdir` is where Alembic runs (relative paths in
    /// the ini resolve there, as in Alembic); `environment` is the one Alembic's process gets.
    public static func load(
        config: String, run: [String], workdir: String, environment: Environment
    ) throws(AlembicUnsure) -> AlembicProject {
        do {
            return try read(config: config, run: run, workdir: workdir, environment: environment)
        } catch {
            throw error.relative(to: workdir)
        }
    }

    private static func read(
        config: String, run: [String], workdir: String, environment: Environment
    ) throws(AlembicUnsure) -> AlembicProject {
        let command = try AlembicCommand.analyze(run, config: config, workdir: workdir, environment: environment)
        try checkPyproject(Path.resolve("pyproject.toml", against: workdir))

        guard let text = try? FileSystem.readText(atPath: config) else {
            throw AlembicUnsure("cannot be read; set config to the ini Alembic uses", file: config)
        }
        let ini = try AlembicIni(text: text, file: config)
        let section = command.section
        guard ini.hasSection(section) else { throw AlembicUnsure("has no [\(section)] section", file: config) }
        let here = Path.directory(of: config)
        func unsure(_ key: String, _ reason: String) -> AlembicUnsure {
            AlembicUnsure(reason, file: config, line: ini.line(of: key, in: section))
        }

        guard let scriptLocation = try ini.value("script_location", in: section, here: here), !scriptLocation.isEmpty
        else {
            throw AlembicUnsure("has no script_location in [\(section)]", file: config)
        }
        let scripts = try location(scriptLocation, key: "script_location", workdir: workdir, unsure: unsure)
        guard FileSystem.isDirectory(scripts) else {
            throw unsure("script_location", "script_location \(scriptLocation) is not a folder")
        }
        if let sourceless = try ini.value("sourceless", in: section, here: here), sourceless != "false" {
            throw unsure("sourceless", "sourceless = \(sourceless): Alembic may load .pyc files prestart cannot read")
        }
        let recursive: Bool
        switch try ini.value("recursive_version_locations", in: section, here: here) {
        case nil, "false": recursive = false
        case "true": recursive = true
        case let other?:
            throw unsure(
                "recursive_version_locations", "recursive_version_locations = \(other) is neither true nor false")
        }
        var locations: [String] = []
        if let list = try ini.value("version_locations", in: section, here: here), !list.isEmpty {
            for entry in try splitLocations(list, ini: ini, section: section, here: here, unsure: unsure) {
                locations.append(try location(entry, key: "version_locations", workdir: workdir, unsure: unsure))
            }
        } else {
            locations = [scripts + "/versions"]
        }

        let versionTable = try EnvironmentScript.versionTable(scripts + "/env.py")

        var files: [String] = []
        var seen: Set<String> = []
        for location in locations where FileSystem.exists(location) {
            if Path.lastComponent(location).hasSuffix("__pycache__") {
                throw AlembicUnsure(
                    "a version location named *__pycache__ is walked in a way prestart does not copy", file: location)
            }
            for file in try revisionFiles(in: location, recursive: recursive) {
                // Alembic loads a file reached twice (overlapping locations, symlinks) once.
                guard let real = realPath(file) else {
                    throw AlembicUnsure("cannot be resolved (a broken link?)", file: file)
                }
                if seen.insert(real).inserted { files.append(file) }
            }
        }
        var revisions: [RevisionFile] = []
        for file in files {
            guard let bytes = try? FileSystem.readBytes(atPath: file) else {
                throw AlembicUnsure("cannot be read", file: file)
            }
            revisions.append(try RevisionFile.parse(bytes, path: file))
        }
        let shownLocations = locations.map { Path.relative($0, to: workdir) }
        let heads =
            command.target == .heads
            ? try RevisionGraph.heads(of: revisions, locations: shownLocations)
            : [try RevisionGraph.head(of: revisions, locations: shownLocations)]
        return AlembicProject(
            heads: heads.map { Head(revision: $0.revision, file: Path.relative($0.path, to: workdir)) },
            revisionCount: revisions.count, versionTable: versionTable,
            rows: RevisionGraph.rows(at: heads, of: revisions))
    }

    /// A path from the ini, as Alembic resolves it: relative to the working directory; `package:path` is a
    /// package resource, found through Python's import system.
    private static func location(
        _ text: String, key: String, workdir: String, unsure: (String, String) -> AlembicUnsure
    ) throws(AlembicUnsure) -> String {
        if !Path.isAbsolute(text), text.contains(":") {
            throw unsure(key, "\(key) \(text) is a package resource, found through Python's imports")
        }
        return Path.resolve(text, against: workdir)
    }

    /// `version_locations` split as Alembic splits it: on `path_separator` (or the older `version_path_separator`),
    /// else on commas and spaces. An empty entry would make Alembic read the working directory.
    private static func splitLocations(
        _ list: String, ini: AlembicIni, section: String, here: String, unsure: (String, String) -> AlembicUnsure
    ) throws(AlembicUnsure) -> [String] {
        var separatorKey = "path_separator"
        var separatorName = try ini.value("path_separator", in: section, here: here)
        if separatorName == nil {
            separatorKey = "version_path_separator"
            separatorName = try ini.value("version_path_separator", in: section, here: here)
        }
        var entries: [String]
        if let separatorName {
            let separators: [String: Character] = ["space": " ", "newline": "\n", "os": ":", ":": ":", ";": ";"]
            guard let separator = separators[separatorName] else {
                throw unsure(separatorKey, "\(separatorKey) = \(separatorName) is not one of space, newline, os, :, ;")
            }
            entries = list.split(separator: separator, omittingEmptySubsequences: true).map { $0.trimmingWhitespace() }
        } else {
            // Python: re.split(r", *|(?: +)", list)
            entries = []
            var current = ""
            var rest = list[...]
            while let character = rest.first {
                if character == "," || character == " " {
                    entries.append(current)
                    current = ""
                    rest = rest.dropFirst()
                    if character == "," { rest = rest.drop { $0 == " " } } else { rest = rest.drop { $0 == " " } }
                } else {
                    current.append(character)
                    rest = rest.dropFirst()
                }
            }
            entries.append(current)
        }
        if entries.contains(where: \.isEmpty) {
            throw unsure(
                "version_locations",
                "version_locations has an empty entry, which Alembic reads as the working directory")
        }
        return entries
    }

    /// Alembic 1.16+ also reads `[tool.alembic]` from pyproject.toml in the working directory.
    private static func checkPyproject(_ path: String) throws(AlembicUnsure) {
        guard FileSystem.exists(path) else { return }
        guard let text = try? FileSystem.readText(atPath: path) else {
            throw AlembicUnsure("cannot be read", file: path)
        }
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch {
            throw AlembicUnsure("does not parse as TOML, and Alembic reads it", file: path)
        }
        if table["tool"]?.table?["alembic"] != nil {
            throw AlembicUnsure("has [tool.alembic], which prestart does not read", file: path)
        }
    }

    /// The files Alembic takes as revisions: `*.py` not starting with `.#` or `__init__`; `__pycache__` folders
    /// skipped (their subfolders are still walked, as os.walk does); subfolders only when recursive; a link to a
    /// folder never followed.
    static func revisionFiles(in directory: String, recursive: Bool) throws(AlembicUnsure) -> [String] {
        let names: [String]
        do {
            names = try FileSystem.list(directory)
        } catch {
            throw AlembicUnsure("cannot be listed", file: directory)
        }
        let skipped = Path.lastComponent(directory).hasSuffix("__pycache__")
        var files: [String] = []
        var folders: [String] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { throw AlembicUnsure("cannot be read", file: path) }
            if (info.st_mode & S_IFMT) == S_IFDIR {
                folders.append(path)
                continue
            }
            guard !skipped else { continue }
            if name.contains("\n") { throw AlembicUnsure("has a newline in its name", file: path) }
            if name.hasSuffix(".py"), !name.hasPrefix(".#"), !name.hasPrefix("__init__") {
                files.append(path)
            }
        }
        if recursive {
            for folder in folders {
                files += try revisionFiles(in: folder, recursive: true)
            }
        }
        return files
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

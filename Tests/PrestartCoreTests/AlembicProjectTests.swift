import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

/// An Alembic folder read as Alembic reads it — the ini, env.py, which files are revisions — and every setting
/// that makes prestart unsure, so that Alembic runs.
@Suite struct AlembicProjectTests {
    static let envPy = """
        from alembic import context
        from sqlalchemy import engine_from_config, pool
        config = context.config
        def run_migrations_online():
            connectable = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.")
            with connectable.connect() as connection:
                context.configure(connection=connection, target_metadata=None)
                with context.begin_transaction():
                    context.run_migrations()
        run_migrations_online()

        """

    /// A project with `alembic.ini` (extra lines appended to `[alembic]`) and revisions a1 ← b2 in
    /// `migrations/versions`.
    func project(
        ini extra: String = "", separator: String = "path_separator = os", revisions: [String: String]? = nil
    ) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        try directory.write(
            "alembic.ini",
            """
            # A comment; and the logging sections Alembic ignores.
            [alembic]
            script_location = %(here)s/migrations
            \(separator)
            sqlalchemy.url = sqlite:///app.db
            \(extra)

            [formatter_generic]
            format = %(levelname)-5.5s [%(name)s] %(message)s

            """)
        mkdir(directory.path + "/migrations", 0o755)
        mkdir(directory.path + "/migrations/versions", 0o755)
        try directory.write("migrations/env.py", Self.envPy)
        for (name, text) in revisions ?? [
            "a1_first.py": "revision = 'a1'\ndown_revision = None\n",
            "b2_second.py": "revision: str = 'b2'\ndown_revision: Union[str, None] = 'a1'\n",
        ] {
            try directory.write("migrations/versions/" + name, text)
        }
        return directory
    }

    func load(
        _ directory: TemporaryDirectory, config: String = "alembic.ini", run: [String] = AlembicStep.defaultRun,
        environment: [String: String] = [:]
    ) throws(AlembicUnsure) -> AlembicProject {
        try AlembicProject.load(
            config: directory.path + "/" + config, run: run, workdir: directory.path,
            environment: Environment(environment))
    }

    func unsure(
        _ directory: TemporaryDirectory, config: String = "alembic.ini", run: [String] = AlembicStep.defaultRun,
        environment: [String: String] = [:]
    ) -> AlembicUnsure? {
        do {
            _ = try load(directory, config: config, run: run, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func findsTheOneHead() throws {
        let directory = try project()
        let project = try load(directory)
        #expect(project.head == .init(revision: "b2", file: "migrations/versions/b2_second.py"))
        #expect(project.revisionCount == 2)
    }

    @Test func listsRevisionFilesAsAlembicDoes() throws {
        let directory = try project()
        try directory.write("migrations/versions/__init__.py", "x = 1\n")
        try directory.write("migrations/versions/.#b2_second.py", "garbage(\n")
        try directory.write("migrations/versions/notes.txt", "revision = 'zz'\n")
        try directory.write("migrations/versions/b2_second.pyc", "\u{0}")
        mkdir(directory.path + "/migrations/versions/__pycache__", 0o755)
        try directory.write("migrations/versions/__pycache__/c3.py", "revision = 'c3'\ndown_revision = 'b2'\n")
        mkdir(directory.path + "/migrations/versions/2024", 0o755)
        try directory.write("migrations/versions/2024/c3_third.py", "revision = 'c3'\ndown_revision = 'b2'\n")
        #expect(try load(directory).head.revision == "b2", "subfolders only when recursive")

        try directory.write(
            "alembic.ini", try FileSystem.readText(atPath: directory.path + "/alembic.ini")
                .replacing("path_separator = os", with: "path_separator = os\nrecursive_version_locations = true"))
        #expect(try load(directory).head.revision == "c3", "recursive: 2024/ is read, __pycache__ is not")
    }

    @Test func readsVersionLocationsWithEverySeparator() throws {
        for (separator, joiner) in [("os", ":"), ("space", " "), (";", ";"), ("newline", "\n    ")] {
            let directory = try project(
                ini: "version_locations = %(here)s/a\(joiner)%(here)s/b", separator: "path_separator = \(separator)",
                revisions: [:])
            mkdir(directory.path + "/a", 0o755)
            mkdir(directory.path + "/b", 0o755)
            try directory.write("a/a1.py", "revision = 'a1'\ndown_revision = None\n")
            try directory.write("b/b2.py", "revision = 'b2'\ndown_revision = 'a1'\n")
            #expect(try load(directory).head.revision == "b2", "path_separator = \(separator)")
        }
        // Without a separator: Alembic's legacy split on commas and spaces.
        let legacy = try project(revisions: [:])
        let ini = try FileSystem.readText(atPath: legacy.path + "/alembic.ini")
        try legacy.write(
            "alembic.ini", ini.replacing("path_separator = os", with: "version_locations = a, migrations/versions"))
        mkdir(legacy.path + "/a", 0o755)
        try legacy.write("a/a1.py", "revision = 'a1'\ndown_revision = None\n")
        try legacy.write("migrations/versions/b2.py", "revision = 'b2'\ndown_revision = 'a1'\n")
        #expect(try load(legacy).head.revision == "b2")
    }

    @Test func readsAnotherSectionWithDashN() throws {
        let directory = try project()
        let ini = try FileSystem.readText(atPath: directory.path + "/alembic.ini")
        try directory.write("alembic.ini", ini + "\n[other]\nscript_location = nowhere\n")
        #expect(try load(directory).head.revision == "b2")
        #expect(unsure(directory, run: ["alembic", "-n", "other", "upgrade", "head"])?.reason.contains("script_location nowhere is not a folder") == true)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var ini = ""
        var separator = "path_separator = os"
        var env: String? = nil
        var files: [String: String] = [:]
        var run = AlembicStep.defaultRun
        var config = "alembic.ini"
        var environment: [String: String] = [:]
        var reason: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "another interpolation", ini: "version_locations = %(root)s/v", reason: "interpolates %(root)s"),
        Case(name: "a stray percent", ini: "version_locations = 50%/v", reason: "has a % that is not %(here)s or %%"),
        Case(name: "sourceless", ini: "sourceless = true", reason: "sourceless = true"),
        Case(name: "recursive neither true nor false", ini: "recursive_version_locations = yes", reason: "neither true nor false"),
        Case(name: "a bad path_separator", ini: "version_locations = a\nversion_path_separator = comma", separator: "", reason: "is not one of space"),
        Case(name: "an empty version location", ini: "version_locations = a: :b", reason: "version_locations has an empty entry"),
        Case(name: "a package resource", ini: "version_locations = myapp:versions", separator: "path_separator = ;", reason: "is a package resource"),
        Case(name: "a duplicate key", ini: "script_location = elsewhere", reason: "script_location appears twice in [alembic]"),
        Case(name: "a key redefining here", ini: "here = /elsewhere", reason: "defines `here`"),
        Case(name: "env.py sets version_table in one of two configure calls", env: "context.configure(version_table='my_version')\n", reason: "context.configure is given two version tables, alembic_version (line 7) and my_version"),
        Case(name: "env.py sets search_path", env: "connection.execute(text('SET search_path TO app'))\n", reason: "mentions search_path"),
        Case(name: "env.py translates schemas", env: "x = dict(schema_translate_map={None: 'app'})\n", reason: "mentions schema_translate_map"),
        Case(name: "env.py reads -x", env: "tenant = context.get_x_argument(as_dictionary=True)\n", reason: "mentions get_x_argument"),
        Case(name: "env.py hooks version application", env: "context.configure(on_version_apply=hook)\n", reason: "mentions on_version_apply"),
        Case(name: "[tool.alembic] in pyproject.toml", files: ["pyproject.toml": "[project]\nname = 'x'\n[tool.alembic]\nscript_location = 'm'\n"], reason: "has [tool.alembic]"),
        Case(name: "a pyproject.toml that does not parse", files: ["pyproject.toml": "[project\n"], reason: "does not parse as TOML"),
        Case(name: "-x in run", run: ["alembic", "-x", "tenant=a", "upgrade", "head"], reason: "run passes -x"),
        Case(name: "-c naming another ini", run: ["alembic", "-c", "other.ini", "upgrade", "head"], reason: "run makes Alembic read other.ini (-c), but the step reads alembic.ini"),
        Case(name: "config set but run without -c", run: ["alembic", "upgrade", "head"], config: "deploy.ini", reason: "run makes Alembic read alembic.ini (no -c), but the step reads deploy.ini"),
        Case(name: "ALEMBIC_CONFIG naming another ini", environment: ["ALEMBIC_CONFIG": "prod.ini"], reason: "read prod.ini (ALEMBIC_CONFIG)"),
        Case(name: "-c pyproject.toml", run: ["alembic", "-c", "pyproject.toml", "upgrade", "head"], reason: "run passes -c pyproject.toml"),
        Case(name: "-n without a value", run: ["alembic", "-n"], reason: "run ends after -n"),
        Case(name: "an unknown option", run: ["alembic", "--verbose", "upgrade", "head"], reason: "run passes --verbose"),
        Case(name: "another target", run: ["alembic", "upgrade", "b2"], reason: "not `alembic upgrade head`"),
        Case(name: "offline mode", run: ["alembic", "upgrade", "head", "--sql"], reason: "not `alembic upgrade head`"),
        Case(name: "a shell command line", run: ["sh", "-c", "alembic -x a=b upgrade head"], reason: "run is a shell command line"),
        Case(name: "two heads", files: ["migrations/versions/c3.py": "revision = 'c3'\ndown_revision = 'a1'\n"], reason: "2 heads: b2 (b2_second.py), c3 (c3.py)"),
        Case(name: "an unknown parent", files: ["migrations/versions/c3.py": "revision = 'c3'\ndown_revision = 'zz'\n"], reason: "down_revision names zz, which no revision file has"),
        Case(name: "an unknown dependency", files: ["migrations/versions/c3.py": "revision = 'c3'\ndown_revision = 'b2'\ndepends_on = 'nope'\n"], reason: "depends_on names nope"),
        Case(name: "a duplicated id", files: ["migrations/versions/c3.py": "revision = 'b2'\ndown_revision = 'a1'\n"], reason: "revision b2 is also in"),
        Case(name: "a cycle", files: ["migrations/versions/a1_first.py": "revision = 'a1'\ndown_revision = 'b2'\n"], reason: "the revisions form a cycle"),
        Case(name: "a file that does not tokenize", files: ["migrations/versions/c3.py": "revision = 'c3\n"], reason: "c3.py:1: does not tokenize"),
    ]

    @Test(arguments: cases)
    func runsAlembicWhenUnsure(_ example: Case) throws {
        let directory = try project(ini: example.ini, separator: example.separator)
        if let env = example.env { try directory.write("migrations/env.py", Self.envPy + env) }
        for (name, text) in example.files { try directory.write(name, text) }
        if example.config != "alembic.ini" {
            try directory.write(example.config, try FileSystem.readText(atPath: directory.path + "/alembic.ini"))
        }
        let found = unsure(directory, config: example.config, run: example.run, environment: example.environment)
        #expect(found?.description.contains(example.reason) == true, "\(found?.description ?? "no reason: would skip")")
    }

    // MARK: Revision files against real Alembic

    func projectWith(b2 code: String) throws -> TemporaryDirectory {
        try project(revisions: [
            "a1_first.py": "revision = 'a1'\ndown_revision = None\n",
            "b2_second.py": "from alembic import op\nrevision = 'b2'\ndown_revision = 'a1'\n\n" + code,
        ])
    }

    /// What the issue saw on real projects: function bodies do not stop the fast path, and the head it reads is
    /// the one Alembic reads.
    @Test(.enabled(if: RealAlembic.shouldRun), arguments: RevisionFileTests.deferred)
    func functionBodiesKeepTheFastPathAndItsHeadIsAlembics(_ example: RevisionFileTests.Deferred) throws {
        let directory = try projectWith(b2: example.code)
        let project = try load(directory)
        #expect(project.heads.map(\.revision) == ["b2"])
        #expect(try RealAlembic.heads(config: directory.path + "/alembic.ini") == ["b2"])
    }

    /// Code that runs at import makes prestart unsure; where Alembic then reads another head than the literals
    /// say, real Alembic shows it.
    @Test(.enabled(if: RealAlembic.shouldRun), arguments: RevisionFileTests.atImport.filter { $0.alembic != nil })
    func codeThatRunsAtImportCanChangeWhatAlembicReads(_ example: RevisionFileTests.AtImport) throws {
        let directory = try projectWith(b2: example.code)
        #expect(unsure(directory)?.reason.contains(example.reason) == true, "\(unsure(directory)?.description ?? "would skip")")
        #expect(try RealAlembic.heads(config: directory.path + "/alembic.ini") == example.alembic)
    }

    // MARK: env.py's version table

    struct EnvScript: CustomTestStringConvertible, Sendable {
        var name: String
        /// Replaces the `context.configure(…)` line of ``AlembicProjectTests/envPy``; `configure` is its
        /// argument list after `connection=connection, `.
        var before = ""
        var configure: String
        var table: VersionTable? = nil
        var reason: String? = nil
        var testDescription: String { name }
    }

    static let environments: [EnvScript] = [
        EnvScript(name: "the default, written out", configure: "version_table=\"alembic_version\"", table: .standard),
        EnvScript(
            name: "the default through a module-level name (the issue's env.py)",
            before: "version_table = \"alembic_version\"\n", configure: "version_table=version_table", table: .standard),
        EnvScript(
            name: "another name in a schema, as literals",
            configure: "version_table='deploy_version', version_table_schema='meta'",
            table: VersionTable(name: "deploy_version", schema: "meta")),
        EnvScript(
            name: "another name in a schema, through constants",
            before: "VERSION_TABLE: str = \"DeployVersion\"\nSCHEMA = 'meta'  # version_table lives here\n",
            configure: "version_table=VERSION_TABLE,\n        version_table_schema=SCHEMA, version_table_pk=False",
            table: VersionTable(name: "DeployVersion", schema: "meta")),
        EnvScript(
            name: "version_table_schema None", configure: "version_table_schema=None", table: .standard),
        EnvScript(
            name: "a value from the config",
            configure: "version_table=config.get_main_option(\"version_table\")",
            reason: "passes version_table as an expression"),
        EnvScript(
            name: "a value from the environment",
            before: "import os\n", configure: "version_table=os.environ[\"VERSION_TABLE\"]",
            reason: "passes version_table as an expression"),
        EnvScript(
            name: "a value from a function",
            before: "def table_name():\n    return 'v'\n", configure: "version_table=table_name()",
            reason: "passes version_table as an expression"),
        EnvScript(
            name: "a name bound to a call",
            before: "VERSION_TABLE = config.get_main_option('table')\n", configure: "version_table=VERSION_TABLE",
            reason: "VERSION_TABLE is not a literal"),
        EnvScript(
            name: "a name bound twice",
            before: "VERSION_TABLE = 'a'\nVERSION_TABLE = 'b'\n", configure: "version_table=VERSION_TABLE",
            reason: "VERSION_TABLE is assigned twice"),
        EnvScript(
            name: "a name rebound in a function",
            before: "VERSION_TABLE = 'a'\ndef pick():\n    global VERSION_TABLE\n    VERSION_TABLE = 'b'\n",
            configure: "version_table=VERSION_TABLE", reason: "VERSION_TABLE is used in a form prestart does not read"),
        EnvScript(
            name: "a name bound only in a block",
            before: "if True:\n    VERSION_TABLE = 'a'\n", configure: "version_table=VERSION_TABLE",
            reason: "VERSION_TABLE is not bound at the top level"),
        EnvScript(
            name: "a name next to exec", before: "VERSION_TABLE = 'a'\nexec('pass')\n",
            configure: "version_table=VERSION_TABLE", reason: "uses exec, which can rebind VERSION_TABLE"),
        EnvScript(
            name: "options handed on with **", before: "options = config.get_section('opts')\n",
            configure: "**options", reason: "passes **options to configure"),
        EnvScript(
            name: "the setting as a dictionary key", before: "opts = {\"version_table\": \"v\"}\n",
            configure: "target_metadata=None", reason: "has version_table in a string"),
        EnvScript(
            name: "the setting in another call", before: "opts = dict(version_table='v')\n",
            configure: "target_metadata=None", reason: "uses version_table in a form prestart does not read"),
        EnvScript(
            name: "configure under another name", before: "setup = context.configure\n",
            configure: "target_metadata=None", reason: "refers to configure without calling it"),
        EnvScript(
            name: "version_table None", configure: "version_table=None", reason: "version_table is None"),
        EnvScript(
            name: "an empty table name", configure: "version_table=''", reason: "version_table \"\" is empty"),
        EnvScript(
            name: "a schema with a dot", configure: "version_table_schema='db.meta'", reason: "has a dot"),
    ]

    @Test(arguments: environments)
    func readsTheVersionTableFromEnvPy(_ example: EnvScript) throws {
        let directory = try project()
        let env = Self.envPy
            .replacing("config = context.config\n", with: "config = context.config\n" + example.before)
            .replacing(
                "context.configure(connection=connection, target_metadata=None)",
                with: "context.configure(connection=connection, \(example.configure))")
        try directory.write("migrations/env.py", env)
        if let table = example.table {
            #expect(try load(directory).versionTable == table)
        } else {
            let reason = try #require(example.reason)
            #expect(unsure(directory)?.description.contains(reason) == true, "\(unsure(directory)?.description ?? "would skip")")
            #expect(unsure(directory)?.file == "migrations/env.py")
        }
    }

    // MARK: Several heads

    /// a1 ← e1 (expand) and a1 ← c1 (contract); with `dependency`, c1 depends on e1, as expand/contract
    /// histories are written.
    func expandContract(dependency: Bool) throws -> TemporaryDirectory {
        try project(revisions: [
            "a1_base.py": "revision = 'a1'\ndown_revision = None\n",
            "e1_expand.py": "revision = 'e1'\ndown_revision = 'a1'\nbranch_labels = ('expand',)\n",
            "c1_contract.py": "revision = 'c1'\ndown_revision = 'a1'\nbranch_labels = ('contract',)\n"
                + (dependency ? "depends_on = 'expand'\n" : ""),
        ])
    }

    @Test(arguments: [false, true])
    func upgradeHeadsReadsEveryHeadAsAlembicDoes(dependency: Bool) throws {
        let directory = try expandContract(dependency: dependency)
        for run in [["alembic", "upgrade", "heads"], ["alembic", "-c", "alembic.ini", "upgrade", "heads"]] {
            let project = try load(directory, run: run)
            #expect(project.heads.map(\.revision) == ["c1", "e1"])
            #expect(project.head == .init(
                revision: "c1, e1", file: "migrations/versions/c1_contract.py, migrations/versions/e1_expand.py"))
            // Applying c1 deletes the row of e1, which it depends on.
            #expect(project.rows == (dependency ? ["c1"] : ["c1", "e1"]))
        }
        #expect(unsure(directory)?.reason.contains("2 heads: ") == true, "upgrade head: Alembic refuses, and runs")
        #expect(unsure(directory, run: ["./wrapper", "upgrade", "heads"])?.reason.contains("2 heads") == true)
        if RealAlembic.shouldRun {
            #expect(try RealAlembic.heads(config: directory.path + "/alembic.ini") == ["c1", "e1"])
        }
    }

    /// With `upgrade heads`, skip only when the table holds exactly the rows Alembic leaves at the heads.
    @Test(arguments: [
        (["c1", "e1"] as [String]?, false, "at heads"),
        (["e1", "c1"], false, "at heads"),
        (["c1"], true, "at heads"),
        (["c1", "e1"], true, "the database is at c1, e1, the heads are c1, e1 (alembic_version then holds c1)"),
        (["e1"], false, "the database is at e1, the heads are c1, e1"),
        (["a1", "e1"], false, "the database is at a1, e1, the heads are c1, e1"),
        (["c1", "c1", "e1"], false, "the database is at c1, c1, e1, the heads are c1, e1"),
        ([], false, "alembic_version is empty (heads are c1, e1)"),
        (nil, false, "alembic_version does not exist: a new database (heads are c1, e1)"),
    ])
    func decidesSeveralHeadsFromTheTable(versions: [String]?, dependency: Bool, expected: String) {
        let project = AlembicProject(
            heads: [.init(revision: "e1", file: "v/e1.py"), .init(revision: "c1", file: "v/c1.py")], revisionCount: 3,
            rows: dependency ? ["c1"] : nil)
        switch AlembicCheck.decide(project: .success(project), versions: versions) {
        case .atHead(let head): #expect(expected == "at heads" && head.revision == "c1, e1")
        case .run(let reason): #expect(reason == expected)
        }
    }

    /// The table env.py names is the one the decision is about: rows read from another never skip.
    @Test func decidesOnlyFromTheTableEnvPyNames() {
        let table = VersionTable(name: "deploy_version", schema: "meta")
        let project = AlembicProject(
            head: .init(revision: "b2", file: "v/b2.py"), revisionCount: 2, versionTable: table)
        #expect(AlembicCheck.decide(project: .success(project), versions: ["b2"], readFrom: table) == .atHead(project.head))
        #expect(AlembicCheck.decide(project: .success(project), versions: ["b2"]) == .run(
            reason: "env.py keeps the versions in meta.deploy_version, not in the alembic_version read here"))
        #expect(AlembicCheck.decide(project: .success(project), versions: nil, readFrom: table) == .run(
            reason: "meta.deploy_version does not exist: a new database (head is b2)"))
        #expect(table.sql == "\"meta\".\"deploy_version\"")
        #expect(VersionTable(name: "a\"b").sql == "\"a\"\"b\"")
    }

    @Test func noRevisionsAndAMissingIniAreUnsure() throws {
        let empty = try project(revisions: [:])
        #expect(unsure(empty)?.reason.contains("no revision files in") == true)
        #expect(unsure(empty, config: "missing.ini", run: ["./wrapper"])?.description == "missing.ini: cannot be read; set config to the ini Alembic uses")
    }

    @Test func aWrapperIsTakenAtItsWordAndMatchingDashCIsAccepted() throws {
        let directory = try project()
        #expect(try load(directory, run: ["./bin/migrate"]).head.revision == "b2")
        #expect(try load(directory, run: ["python", "-m", "alembic", "-c", "alembic.ini", "--raiseerr", "upgrade", "heads"]).head.revision == "b2")
        try directory.write("deploy.ini", try FileSystem.readText(atPath: directory.path + "/alembic.ini"))
        #expect(try load(directory, config: "deploy.ini", run: ["alembic", "--config=deploy.ini", "upgrade", "head"]).head.revision == "b2")
        #expect(try load(directory, config: "deploy.ini", environment: ["ALEMBIC_CONFIG": "deploy.ini"]).head.revision == "b2")
    }

    @Test func theIniReaderFollowsConfigparser() throws {
        let ini = try AlembicIni(
            text: """
                [DEFAULT]
                shared = from default
                [alembic]
                Key: value # not a comment
                multi = first
                    second

                    third
                ; comment
                escaped = 100%% %(here)s
                """, file: "/a/alembic.ini")
        #expect(try ini.value("key", in: "alembic", here: "/a") == "value # not a comment")
        #expect(try ini.value("multi", in: "alembic", here: "/a") == "first\nsecond\n\nthird")
        #expect(try ini.value("escaped", in: "alembic", here: "/a") == "100% /a")
        #expect(try ini.value("shared", in: "alembic", here: "/a") == "from default")
        #expect(ini.line(of: "escaped", in: "alembic") == 10)
        #expect(throws: AlembicUnsure("section [alembic] appears twice", file: "/a.ini", line: 3)) {
            try AlembicIni(text: "[alembic]\nx = 1\n[alembic]\n", file: "/a.ini")
        }
        #expect(throws: AlembicUnsure("has a line before its first [section]", file: "/a.ini", line: 1)) {
            try AlembicIni(text: "x = 1\n", file: "/a.ini")
        }
    }

    @Test func configLoaderReadsTheAlembicKind() throws {
        let loader = ConfigLoader(environment: Environment([:]))
        let config = try loader.load(
            text: """
                [database]
                url = "sqlite:///app.db"
                [steps.migrate]
                kind = "alembic"
                workdir = "backend"
                config = "deploy/alembic.ini"
                """, file: "/srv/prestart.toml")
        let alembic = try #require(config.steps[0].kind as? AlembicStep)
        #expect(alembic.config == "/srv/backend/deploy/alembic.ini")
        #expect(alembic.run == ["alembic", "-c", "deploy/alembic.ini", "upgrade", "head"])
        #expect(alembic.fastPath)
        #expect(throws: ConfigError.self) {
            try loader.load(text: "[steps.a]\nkind = \"alembic\"\n", file: "/srv/prestart.toml")
        }
        #expect {
            try loader.load(
                text: "[database]\nurl = \"sqlite:///a.db\"\n[steps.a]\nkind = \"alembic\"\nfast_path = false\n",
                file: "/srv/prestart.toml")
        } throws: { error in
            (error as? ConfigError)?.description.hasPrefix("/srv/prestart.toml:5: steps.a.fast_path: unknown key") == true
        }
    }

    /// Skip only with exactly one row, equal to the one head; every other table state runs Alembic, saying why.
    @Test(arguments: [
        (["b2"] as [String]?, "at head"),
        (nil, "alembic_version does not exist: a new database (head is b2)"),
        ([], "alembic_version is empty (head is b2)"),
        (["a1"], "the database is at a1, the head is b2 (versions/b2.py)"),
        (["b2", "c3"], "alembic_version holds 2 rows (b2, c3), the head is b2 alone"),
        (["b2", "b2"], "alembic_version holds 2 rows (b2, b2), the head is b2 alone"),
    ])
    func decidesFromTheTable(versions: [String]?, expected: String) {
        let project = AlembicProject(head: .init(revision: "b2", file: "versions/b2.py"), revisionCount: 2)
        switch AlembicCheck.decide(project: .success(project), versions: versions) {
        case .atHead(let head): #expect(expected == "at head" && head.revision == "b2")
        case .run(let reason): #expect(reason == expected)
        }
        let unsure = AlembicCheck.decide(project: .failure(AlembicUnsure("2 heads")), versions: versions)
        #expect(unsure == .run(reason: "not sure the database is at head: 2 heads"))
    }
}

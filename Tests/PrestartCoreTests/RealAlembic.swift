import PrestartCore
import PrestartTestSupport
import Testing

/// Real Alembic, from the venv scripts/test.sh installs (`PRESTART_TEST_ALEMBIC`): what it reads from a folder,
/// to hold prestart's reading against. Loads the revision files as `alembic upgrade` does; runs no env.py.
enum RealAlembic {
    /// Set by scripts/test.sh; in CI the comparisons must run, elsewhere they are skipped without it.
    static var shouldRun: Bool { TestDatabase.environment("PRESTART_TEST_ALEMBIC") != nil || TestDatabase.isCI }

    /// `ScriptDirectory.get_heads()`, sorted, for the ini at `config` read from its own folder; or the error
    /// Alembic raised, as `error: …`.
    static func heads(config: String) throws -> [String] {
        let alembic = try #require(
            TestDatabase.environment("PRESTART_TEST_ALEMBIC"),
            "PRESTART_TEST_ALEMBIC is not set: run the tests through scripts/test.sh, which installs Alembic")
        let python = String(alembic.dropLast("alembic".count)) + "python"
        let directory = try TemporaryDirectory()
        try directory.write(
            "heads.py",
            """
            import sys
            from alembic.config import Config
            from alembic.script import ScriptDirectory
            try:
                heads = ScriptDirectory.from_config(Config(sys.argv[1])).get_heads()
                print("\\n".join(sorted(heads)))
            except Exception as error:
                print("error: " + type(error).__name__ + ": " + str(error).replace("\\n", " "))

            """)
        let folder = String(config[..<config.lastIndex(of: "/")!])
        let status = Shell.run(
            "cd '\(folder)' && '\(python)' '\(directory.path)/heads.py' '\(config)' > '\(directory.path)/out' "
                + "2> '\(directory.path)/err'")
        try #require(status == 0, "Alembic's python failed: \(directory.read("err"))")
        return directory.read("out").split(separator: "\n").map(String.init)
    }
}

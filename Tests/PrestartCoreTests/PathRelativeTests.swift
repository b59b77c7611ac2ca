import PrestartSystem
import Testing

/// Messages name files relative to the config's folder; only a path inside it is shortened.
struct PathRelativeTests {
    @Test(arguments: [
        ("/app/migrations/0001.sql", "/app", "migrations/0001.sql"),
        ("/app/migrations/0001.sql", "/app/", "migrations/0001.sql"),
        ("/app/schema.sql", "/", "app/schema.sql"),
        ("/application/schema.sql", "/app", "/application/schema.sql"),
        ("/app", "/app", "/app"),
        ("/other/x.sql", "/app", "/other/x.sql"),
        ("/café/ë.sql", "/café", "ë.sql"),
        // A name that starts with a combining mark keeps it: bytes are cut, not Characters.
        ("/app/\u{301}x.sql", "/app", "\u{301}x.sql"),
    ])
    func relativeShortensOnlyPathsInsideTheFolder(path: String, directory: String, expected: String) {
        #expect(Path.relative(path, to: directory) == expected)
    }
}

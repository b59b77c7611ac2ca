import PrestartCore
import Testing
import PrestartDatabase
import PrestartSystem

@Suite struct DatabaseURLTests {
    static let folder = "/srv/app"

    // MARK: PostgreSQL

    @Test(
        "PostgreSQL URLs reach libpq with the driver suffix dropped",
        arguments: [
            // The FastAPI template's DATABASE_URL, exactly as the app holds it.
            ("postgresql+psycopg://user:pw@host:5432/db", "postgresql://user:pw@host:5432/db"),
            ("postgresql://user:pw@host:5432/db", "postgresql://user:pw@host:5432/db"),
            ("postgres://user@host/db", "postgres://user@host/db"),
            (
                "postgresql+psycopg2://u:p@db.internal/app?sslmode=require",
                "postgresql://u:p@db.internal/app?sslmode=require"
            ),
            ("postgresql+asyncpg://u:p@h/app", "postgresql://u:p@h/app"),
            ("postgresql+asyncpg://u:p@h/app?ssl=require", "postgresql://u:p@h/app?sslmode=require"),
            (
                "postgresql+asyncpg://u:p@h/app?ssl=true&connect_timeout=3",
                "postgresql://u:p@h/app?sslmode=require&connect_timeout=3"
            ),
            ("postgresql+pg8000://u@h/app", "postgresql://u@h/app"),
            ("PostgreSQL+Psycopg://u@h/app", "postgresql://u@h/app"),
            ("postgresql://u:p%40ss@/app?host=/run/postgresql", "postgresql://u:p%40ss@/app?host=/run/postgresql"),
            ("postgresql://", "postgresql://"),
            ("  postgresql://u@h/app\n", "postgresql://u@h/app"),
        ]
    )
    func postgresURLs(text: String, conninfo: String) throws {
        #expect(try DatabaseURL.parse(text, relativeTo: Self.folder) == .postgres(conninfo: conninfo))
    }

    @Test(
        "libpq keyword strings pass through unchanged",
        arguments: ["host=/tmp port=5432 dbname=x", "service=app", "host = db password='a b' dbname=app"]
    )
    func keywordStrings(text: String) throws {
        #expect(try DatabaseURL.parse(text, relativeTo: Self.folder) == .postgres(conninfo: text))
    }

    @Test("An empty URL lets libpq use the PG* variables", arguments: ["", "  ", "\n"])
    func emptyMeansEnvironment(text: String) throws {
        let url = try DatabaseURL.parse(text, relativeTo: Self.folder)
        #expect(url == .postgres(conninfo: ""))
        #expect(url.description == "PostgreSQL as set by the PG* environment variables")
    }

    @Test(
        "libpq's own complaint is the reason",
        arguments: [
            ("postgresql://u@h/app?bogus=1", #"invalid URI query parameter: "bogus""#),
            ("host=/tmp nonsense=1", #"invalid connection option "nonsense""#),
            ("host=/tmp dbname", #"missing "=" after "dbname" in connection info string"#),
            (
                "postgresql+psycopg://u:pw@h/app?host",
                #"missing key/value separator "=" in URI query parameter: "host""#
            ),
        ]
    )
    func invalidPostgres(text: String, reason: String) {
        let error = #expect(throws: DatabaseURLError.self) { try DatabaseURL.parse(text, relativeTo: Self.folder) }
        guard case .invalidPostgres(_, let actual) = error else {
            Issue.record("expected invalidPostgres, got \(String(describing: error))")
            return
        }
        #expect(actual.contains(reason))
    }

    @Test func libpqMessagesThatQuoteTheURLHaveThePasswordMasked() {
        let text = "postgresql://app:s3cr%65t@[::1/db"
        let error = #expect(throws: DatabaseURLError.self) { try DatabaseURL.parse(text, relativeTo: Self.folder) }
        let description = error?.description ?? ""
        #expect(description.contains("IPv6"))
        #expect(!description.contains("s3cr"))
        #expect(description.contains("app:***@"))
    }

    // MARK: SQLite

    @Test(
        "SQLite URLs name a file, relative to the config folder unless absolute",
        arguments: [
            ("sqlite:///app.db", "/srv/app/app.db"),
            ("sqlite:///data/app.db", "/srv/app/data/app.db"),
            ("sqlite:////var/lib/app/app.db", "/var/lib/app/app.db"),
            ("sqlite+aiosqlite:///app.db", "/srv/app/app.db"),
            ("sqlite+pysqlite:////tmp/x.db", "/tmp/x.db"),
            ("sqlite://./dev.db", "/srv/app/dev.db"),
            ("sqlite:///./dev.db", "/srv/app/dev.db"),
            ("sqlite://../shared/dev.db", "/srv/app/../shared/dev.db"),
            ("sqlite:///app.db?check_same_thread=false", "/srv/app/app.db"),
            ("SQLite:///app.db?timeout=30&uri=true", "/srv/app/app.db"),
        ]
    )
    func sqliteURLs(text: String, path: String) throws {
        let url = try DatabaseURL.parse(text, relativeTo: Self.folder)
        #expect(url == .sqlite(path: path))
        #expect(url.dialect == .sqlite)
        #expect(url.secrets.isEmpty)
    }

    @Test func aRelativeFolderKeepsTheSQLitePathRelative() throws {
        #expect(try DatabaseURL.parse("sqlite:///app.db", relativeTo: "") == .sqlite(path: "app.db"))
        #expect(try DatabaseURL.parse("sqlite:///app.db", relativeTo: "conf/") == .sqlite(path: "conf/app.db"))
    }

    @Test("In-memory SQLite is refused", arguments: ["sqlite://", "sqlite:///:memory:", "sqlite+aiosqlite:///"])
    func inMemory(text: String) {
        #expect(throws: DatabaseURLError.sqliteInMemory(url: text)) {
            try DatabaseURL.parse(text, relativeTo: Self.folder)
        }
    }

    @Test func sqliteOptionsThatChangeHowTheFileOpensAreRefused() {
        let error = #expect(throws: DatabaseURLError.self) {
            try DatabaseURL.parse("sqlite:///app.db?mode=ro", relativeTo: Self.folder)
        }
        #expect(error == .sqliteOption(url: "sqlite:///app.db?mode=ro", option: "mode=ro"))
        #expect(error?.description.contains("'mode=ro'") == true)
    }

    @Test func sqliteHasNoHost() {
        #expect(throws: DatabaseURLError.sqliteHost(url: "sqlite://localhost/app.db")) {
            try DatabaseURL.parse("sqlite://localhost/app.db", relativeTo: Self.folder)
        }
    }

    // MARK: Anything else

    @Test(
        "Other forms are refused with the list of accepted ones",
        arguments: ["mysql://u:pw@h/db", "app.db", "redis://h"]
    )
    func unsupported(text: String) {
        let error = #expect(throws: DatabaseURLError.self) { try DatabaseURL.parse(text, relativeTo: Self.folder) }
        let description = error?.description ?? ""
        #expect(description.hasPrefix("The database URL '"))
        #expect(description.contains("postgresql+psycopg://"))
        #expect(description.contains("sqlite:////absolute/path.db"))
        #expect(!description.contains(":pw@"))
    }

    // MARK: Secrets

    @Test(
        "Passwords are redacted in URIs and keyword strings",
        arguments: [
            ("postgresql+psycopg://user:pw@host:5432/db", "postgresql+psycopg://user:***@host:5432/db"),
            ("postgresql://user:p%40ss@host/db", "postgresql://user:***@host/db"),
            (
                "postgresql://user@host/db?password=pw&sslmode=require",
                "postgresql://user@host/db?password=***&sslmode=require"
            ),
            ("postgresql://user@host/db", "postgresql://user@host/db"),
            ("postgresql://user:@host/db", "postgresql://user:@host/db"),
            ("postgresql://host/db?application_name=a:b@c", "postgresql://host/db?application_name=a:b@c"),
            ("host=db password=pw dbname=app", "host=db password=*** dbname=app"),
            ("host=db password = 'p w\\'x' dbname=app", "host=db password = '***' dbname=app"),
            ("password=pw sslpassword=key", "password=*** sslpassword=***"),
            ("mysql://root:hunter2@h/db", "mysql://root:***@h/db"),
        ]
    )
    func redaction(text: String, redacted: String) {
        #expect(DatabaseURL.redact(text) == redacted)
    }

    @Test func secretsAreListedRawAndDecoded() throws {
        #expect(DatabaseURL.secrets(in: "postgresql://u:p%40ss@h/db") == ["p%40ss", "p@ss"])
        #expect(DatabaseURL.secrets(in: "postgresql://u:plain@h/db?password=other") == ["plain", "other"])
        #expect(DatabaseURL.secrets(in: #"host=h password='it\'s'"#) == [#"it\'s"#, "it's"])
        #expect(DatabaseURL.secrets(in: "postgresql://u@h/db").isEmpty)
        let url = try DatabaseURL.parse("postgresql+psycopg://app:s%2Fcret@db:5432/app", relativeTo: Self.folder)
        #expect(url.secrets == ["s%2Fcret", "s/cret"])
        #expect(url.redacted == "postgresql://app:***@db:5432/app")
        #expect(url.description == url.redacted)
        #expect("\(url)".contains("s%2Fcret") == false)
    }

    @Test func theChildProcessGetsTheLibpqFormWithThePassword() throws {
        let postgres = try DatabaseURL.parse("postgresql+psycopg://app:pw@db:5432/app", relativeTo: Self.folder)
        #expect(postgres.childProcessURL == "postgresql://app:pw@db:5432/app")
        let sqlite = try DatabaseURL.parse("sqlite+aiosqlite:///app.db", relativeTo: Self.folder)
        #expect(sqlite.childProcessURL == "sqlite:////srv/app/app.db")
        #expect(sqlite.redacted == "sqlite:////srv/app/app.db")
    }
}

import Glibc
import Testing

@testable import PrestartCore
import PrestartTestSupport
@testable import PrestartDatabase
@testable import PrestartSystem

@Suite struct InterpolatorTests {
    let interpolator = Interpolator(
        environment: Environment(["USER": "app", "EMPTY": "", "PORT": "6543", "DATABASE_URL": "sqlite:///x.db"]),
        directory: "/nonexistent")

    @Test(arguments: [
        ("plain text", "plain text"),
        ("${USER}", "app"),
        ("u=${USER}!", "u=app!"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("${MISSING-fallback}", "fallback"),
        ("${PORT:-5432}", "6543"),
        ("${MISSING:-postgresql://${USER}@db:${PORT:-5432}/app}", "postgresql://app@db:6543/app"),
        ("${DATABASE_URL:-postgresql://${NOT_SET}@db/app}", "sqlite:///x.db"),
        ("$$ body $$ and $1 and $tag$", "$$ body $$ and $1 and $tag$"),
        ("literal $${USER}", "literal ${USER}"),
        ("cost: $5", "cost: $5"),
    ])
    func expands(input: String, expected: String) throws {
        #expect(try interpolator.expand(input) == expected)
    }

    @Test(arguments: [
        ("${MISSING}", Interpolator.Failure.unset(variable: "MISSING")),
        ("${EMPTY:?needs a value}", .required(variable: "EMPTY", message: "needs a value")),
        ("${MISSING?}", .required(variable: "MISSING", message: "it is not set")),
        ("${MISSING:-${ALSO_MISSING}}", .unset(variable: "ALSO_MISSING")),
    ])
    func rejects(input: String, expected: Interpolator.Failure) {
        #expect(throws: expected) { try interpolator.expand(input) }
    }

    @Test(arguments: ["${USER", "${}", "${1ABC}", "${USER:x}", "${USER:-${PORT}"])
    func malformedExpressionsAreErrors(input: String) {
        #expect {
            try interpolator.expand(input)
        } throws: { error in
            guard case .malformed = error as? Interpolator.Failure else { return false }
            return true
        }
    }

    /// For a command that does not use the value: each missing value stands as `<unset NAME>` and is returned, and
    /// a malformed `${` is still an error.
    @Test func toleratingRecordsEveryMissingValueAndShowsItAsUnset() throws {
        let (text, missing) = try interpolator.expandTolerating(
            "postgresql://${USER}:${PW}@${HOST:?the database host}/${DB:-${ALSO}}/${file:nope.txt}")
        #expect(text == "postgresql://app:<unset PW>@<unset HOST>/<unset ALSO>/<unset file:/nonexistent/nope.txt>")
        #expect(missing.count == 4)
        #expect(missing.first == .unset(variable: "PW"))
        #expect(missing.dropFirst().first == .required(variable: "HOST", message: "the database host"))
        #expect(Interpolator.containsPlaceholder(text))
        #expect(try interpolator.expandTolerating("${USER}").missing.isEmpty)
        #expect(throws: Interpolator.Failure.self) { try interpolator.expandTolerating("${USER") }
    }

    @Test func fileReadsASecretWithoutItsTrailingNewline() throws {
        let directory = try TemporaryDirectory()
        try directory.write("secret.txt", "s3cr3t\n")
        let interpolator = Interpolator(environment: Environment([:]), directory: directory.path)
        #expect(try interpolator.expand("pw=${file:secret.txt}") == "pw=s3cr3t")
        #expect(try interpolator.expand("${file:\(directory.path)/secret.txt}") == "s3cr3t")
        #expect {
            try interpolator.expand("${file:missing.txt}")
        } throws: { error in
            guard case .unreadableFile(let path, _) = error as? Interpolator.Failure else { return false }
            return path == directory.path + "/missing.txt"
        }
    }

    /// A named pipe without a writer is an error instead of holding prestart's start forever (or an empty secret),
    /// and a device that never ends is an error instead of all the memory there is.
    @Test func fileNeverBlocksOnAPipeNorReadsADeviceForever() throws {
        let directory = try TemporaryDirectory()
        #expect(mkfifo(directory.path + "/fifo", 0o600) == 0)
        let interpolator = Interpolator(environment: Environment([:]), directory: directory.path)
        #expect {
            try interpolator.expand("${file:fifo}")
        } throws: { error in
            "\(error)".contains("fifo is a pipe that nothing was written to")
        }
        #expect {
            try interpolator.expand("${file:/dev/zero}")
        } throws: { error in
            "\(error)".contains("/dev/zero is not a regular file and did not end within 16 MiB")
        }
    }
}

import Glibc
import PrestartCore
import PrestartTestSupport
import Synchronization
import Testing
import PrestartDatabase
import PrestartSystem

/// The project's real config files, mutated the ways hands and tools break files (lines lost, doubled, swapped or
/// cut, a stray quote or bracket, a value of the wrong type, a misspelled key, a broken `${`), each checked by the
/// built binary: it never traps or hangs, and every rejection is exit 78 naming the file, a line of it, and the
/// key (a TOML syntax error names line and column instead).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ConfigMutationTests {
    static let mutantsPerFile = 160

    /// A small deterministic generator, so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(max(bound, 1)))
        }
    }

    static let strays = [
        "[", "]", "[[", "\"", "'", "\"\"\"", "{", "}", "=", "#", "\\", "$", "${", "${X", "$${", "\n", ".", ",", "\t",
        "\u{FEFF}", "é", "\r\n", "\u{0}", "\u{363}", " = ", "[steps.", "after = [\"nope\"]\n", "kind = \"wait\"\n",
    ]
    static let values = ["5", "true", "[]", "{}", "\"\"", "\"${UNSET_X}\"", "\"${X\"", "\"5 parsecs\"", "[\"a\", 1]", "1979-05-27"]

    static func mutate(_ text: String, _ generator: inout Generator) -> String {
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        var scalars = Array(text.unicodeScalars)
        let line = generator.next(lines.count)
        switch generator.next(11) {
        case 9:
            // A stray at the start of a line, where TOML reads a header or a key.
            lines[line] = strays[generator.next(strays.count)] + lines[line]
        case 10:
            // Saved on Windows.
            return lines.joined(separator: "\r\n")
        case 0: lines.remove(at: line)
        case 1: lines.insert(lines[line], at: line)
        case 2:
            let other = generator.next(lines.count)
            lines.swapAt(line, other)
        case 3: return String(String.UnicodeScalarView(scalars.prefix(generator.next(scalars.count))))
        case 4:
            scalars.insert(contentsOf: strays[generator.next(strays.count)].unicodeScalars, at: generator.next(scalars.count + 1))
            return String(String.UnicodeScalarView(scalars))
        case 5:
            if !scalars.isEmpty { scalars.remove(at: generator.next(scalars.count)) }
            return String(String.UnicodeScalarView(scalars))
        case 6:
            // A value of another type.
            if let equals = lines[line].firstIndex(of: "=") {
                lines[line] = lines[line][...equals] + " " + values[generator.next(values.count)]
            }
        case 7:
            // A misspelled key.
            if let equals = lines[line].firstIndex(of: "="), lines[line].distance(from: lines[line].startIndex, to: equals) > 2 {
                var key = Array(lines[line][..<equals])
                key.swapAt(0, 1)
                lines[line] = String(key) + lines[line][equals...]
            }
        default:
            lines[line] = lines[generator.next(lines.count)]
        }
        return lines.joined(separator: "\n")
    }

    /// Copies an example's folder (its SQL files make the config checkable) into a fresh one.
    func copy(_ example: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let source = Path.resolve("examples/\(example)", against: FileSystem.currentDirectory)
        #expect(Shell.run("cp -R '\(source)/.' '\(directory.path)/'") == 0)
        return directory
    }

    /// Runs `prestart check`, killing it if it hangs.
    func check(_ directory: TemporaryDirectory, environment: [String: String]) throws -> (code: Int32, stderr: String) {
        let process = try PrestartProcess(["check", "--log-format", "text"], in: directory, environment: environment)
        let done = CancelToken()
        let killed = Mutex(false)
        let pid = process.pid
        BlockingThread.start {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while !done.isCancelled, clock.now < deadline { usleep(10_000) }
            if !done.isCancelled {
                killed.withLock { $0 = true }
                kill(pid, SIGKILL)
            }
        }
        let code = process.wait()
        done.cancel()
        #expect(!killed.withLock { $0 }, "prestart check hung")
        return (code, process.stderr)
    }

    @Test(arguments: [
        ("quickstart", [:]),
        (
            "fastapi-template",
            [
                "DATABASE_URL": "postgresql+psycopg://app:\(Secrets.databasePassword)@db:5432/app",
                "FIRST_SUPERUSER": "admin@example.com", "FIRST_SUPERUSER_PASSWORD": "template-secret-pw",
            ]
        ),
    ])
    func mutatedRealConfigsAreAcceptedOrRejectedWithFileLineAndKey(example: String, environment: [String: String]) throws {
        let directory = try copy(example)
        let file = directory.path + "/prestart.toml"
        let original = directory.read("prestart.toml")
        let baseline = try check(directory, environment: environment)
        #expect(baseline.code == 0, "the unmutated config must pass: \(baseline.stderr)")

        var generator = Generator(state: 0x5EED_0000 &+ UInt64(example.utf8.count))
        var seen: Set<String> = [original]
        var (accepted, rejected, syntax) = (0, 0, 0)
        while seen.count <= Self.mutantsPerFile {
            var mutant = Self.mutate(original, &generator)
            if generator.next(4) == 0 { mutant = Self.mutate(mutant, &generator) }
            guard seen.insert(mutant).inserted else { continue }
            try FileSystem.writeAtomically(Array(mutant.utf8), toPath: file)
            let (code, stderr) = try check(directory, environment: environment)
            Secrets.expectAbsent(in: [("check's stderr", stderr)], extra: Array(environment.values.filter { $0.hasSuffix("-pw") }))
            let lineCount = mutant.unicodeScalars.filter { $0 == "\n" }.count + 1
            switch code {
            case 0:
                accepted += 1
            case 78:
                rejected += 1
                // `HH:MM:SS.mmm error    FILE:LINE[:COLUMN]: [KEY: ]message`
                guard let range = stderr.firstRange(of: file + ":") else {
                    Issue.record("exit 78 without the file:\n\(stderr)\n--- mutant:\n\(mutant)")
                    continue
                }
                let rest = stderr[range.upperBound...]
                let line = Int(rest.prefix { $0.isNumber })
                guard let line, (1...lineCount).contains(line) else {
                    Issue.record("exit 78 without a line of the file:\n\(stderr)\n--- mutant:\n\(mutant)")
                    continue
                }
                let afterLine = rest.drop { $0.isNumber }
                if afterLine.hasPrefix(":"), afterLine.dropFirst().first?.isNumber == true {
                    syntax += 1  // line and column: a TOML syntax error, which has no key to name
                    continue
                }
                // The key: one word before ": ", dotted, quoted where it must be.
                let message = afterLine.dropFirst(2)
                let key = message.prefix { $0 != " " }
                if !(key.hasSuffix(":") && key.count > 1) {
                    Issue.record("exit 78 without a key:\n\(stderr)\n--- mutant:\n\(mutant)")
                }
                // An unknown key is named at the line that spells it, in the line's key: a header, or what comes
                // before `=` (not anywhere in a value).
                if message.dropFirst(key.count).hasPrefix(" unknown key") {
                    let name = key.dropLast().split(separator: ".").last.map { $0.trimmingPrefix("\"") } ?? ""
                    let lines = mutant.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
                    let spelled = String(lines[line - 1]).drop { $0 == " " || $0 == "\t" }
                    let keyPart = spelled.hasPrefix("[") ? spelled : spelled.prefix { $0 != "=" }
                    if !keyPart.contains(name.prefix { $0 != "\"" }) {
                        Issue.record("the unknown key \(key) is not on line \(line):\n\(stderr)\n--- mutant:\n\(mutant)")
                    }
                }
            default:
                Issue.record("prestart check exited \(code) (a trap or a crash?):\n\(stderr.prefix(2000))\n--- mutant:\n\(mutant)")
            }
        }
        try FileSystem.writeAtomically(Array(original.utf8), toPath: file)
        print("\(example): \(Self.mutantsPerFile) mutants: \(accepted) accepted, \(rejected) rejected with exit 78 (\(syntax) TOML syntax errors with line and column, the rest with line and key)")
    }
}

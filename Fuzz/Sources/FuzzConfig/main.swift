// libFuzzer target: the config loader and `${…}` interpolation over arbitrary bytes.
//
// Holds for every input, or the run stops with the input saved:
// - loading never traps or hangs: it returns a config or throws a ConfigError;
// - every ConfigError names this file and a line inside the text, and a key unless it is a TOML syntax error
//   (which names line and column); an unknown key is named at the line that spells it;
// - interpolation never traps; text without `$` comes back unchanged; an environment value is inserted exactly
//   as it is, never expanded again; and `$${` escaping round-trips any text.
import Glibc
import PrestartCore
import PrestartSystem

/// Files a config may name (`file = "seed.sql"`, `dir = "migrations"`, `${file:secret.txt}`), so loading reaches
/// past "cannot read the file" into the SQL and migration checks.
let fixtures: String = {
    var template = Array("\(getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp")/prestart-fuzz-XXXXXX".utf8CString)
    guard let pointer = mkdtemp(&template) else { fatalError("mkdtemp failed") }
    let directory = String(cString: pointer)
    func write(_ name: String, _ text: String, mode: mode_t = 0o644) {
        do {
            try FileSystem.writeAtomically(Array(text.utf8), toPath: directory + "/" + name)
        } catch {
            fatalError("cannot write the fixture \(name): \(error)")
        }
        chmod(directory + "/" + name, mode)
    }
    mkdir(directory + "/migrations", 0o755)
    write("seed.sql", "INSERT INTO users (email, password) VALUES (:email, :password);\n")
    write("schema.sql", "CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL);\n")
    write("migrations/1-first.sql", "ALTER TABLE users ADD COLUMN note text;\n")
    write("migrations/2-second.sh", "#!/bin/sh\ntrue\n", mode: 0o755)
    write("secret.txt", "s3cr3t-from-file\n")
    return directory
}()

let configFile = fixtures + "/prestart.toml"

let environment = Environment([
    "DATABASE_URL": "sqlite:///app.db",
    "PG_URL": "postgresql+psycopg://app:pw-fuzz-1@db:5432/app",
    "HOSTILE": "'; DROP TABLE users; -- $$ ${NOT_SET} \" \\ :email \n",
    "EMPTY": "",
    "USER": "app",
])

func violated(_ property: String, _ input: String) -> Never {
    fatalError("\(property)\ninput: \(JSON.string(input).serialized())")
}

func checkLoader(_ text: String) {
    // Scalars, not Characters: "\r\n" is one Character.
    let lineCount = text.unicodeScalars.filter { $0 == "\n" }.count + 1
    do {
        let config = try ConfigLoader(environment: environment).load(text: text, file: configFile)
        guard config.file == configFile else { violated("a loaded config names another file", text) }
        _ = StepGraph(config.steps).selectionForUp()
    } catch {
        guard error.file == configFile else { violated("a config error names another file: \(error)", text) }
        guard let line = error.line else { violated("a config error names no line: \(error)", text) }
        guard (1...max(1, lineCount)).contains(line) else {
            violated("a config error names line \(line) of \(lineCount): \(error)", text)
        }
        if error.key == nil && !error.message.hasPrefix("invalid TOML") {
            violated("a config error names no key: \(error)", text)
        }
        guard error.description.hasPrefix("\(configFile):\(line)") else {
            violated("a config error does not start with file:line: \(error)", text)
        }
        // An unknown key is named at the line that spells it: literally, or with the line's escapes decoded.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if error.message.hasPrefix("unknown key"), let key = error.key, lines.indices.contains(line - 1) {
            let name = lastKey(key)
            let spelled = String(lines[line - 1])
            guard spelled.unicodeScalars.contains(name.unicodeScalars)
                || unescaped(spelled.unicodeScalars[...]).unicodeScalars.contains(name.unicodeScalars)
            else {
                violated("the unknown key \(key) is not on line \(line): \(error)", text)
            }
        }
        if error.key?.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) == true {
            violated("a config error prints a control character in its key: \(error)", text)
        }
    }
}

/// The last key of a dotted key as prestart prints it (`steps."a\"b"`), decoded.
func lastKey(_ printed: String) -> String {
    var scalars = printed.unicodeScalars[...]
    var last = ""
    while !scalars.isEmpty {
        if scalars.first == "\"" {
            let body = scalars.dropFirst()
            var end = body.startIndex
            while end < body.endIndex, body[end] != "\"" {
                end = body.index(after: end)
                if body[body.index(before: end)] == "\\", end < body.endIndex { end = body.index(after: end) }
            }
            last = unescaped(body[..<end])
            scalars = end < body.endIndex ? body[body.index(after: end)...] : body[end...]
        } else {
            let end = scalars.firstIndex(of: ".") ?? scalars.endIndex
            last = String(String.UnicodeScalarView(scalars[..<end]))
            scalars = scalars[end...]
        }
        if scalars.first == "." { scalars = scalars.dropFirst() }
    }
    return last
}

/// Text with TOML's basic-string escapes decoded (`\t`, `\"`, `\u00e9`, …); anything else is kept as it is.
func unescaped(_ scalars: Substring.UnicodeScalarView.SubSequence) -> String {
    var result = String.UnicodeScalarView()
    var index = scalars.startIndex
    while index < scalars.endIndex {
        let scalar = scalars[index]
        index = scalars.index(after: index)
        guard scalar == "\\", index < scalars.endIndex else {
            result.append(scalar)
            continue
        }
        let escape = scalars[index]
        let simple: [Unicode.Scalar: Unicode.Scalar] = ["b": "\u{8}", "t": "\t", "n": "\n", "f": "\u{C}", "r": "\r", "\"": "\"", "\\": "\\"]
        if let decoded = simple[escape] {
            result.append(decoded)
            index = scalars.index(after: index)
        } else if escape == "u" || escape == "U", let end = scalars.index(index, offsetBy: escape == "u" ? 5 : 9, limitedBy: scalars.endIndex),
            let value = UInt32(String(String.UnicodeScalarView(scalars[scalars.index(after: index)..<end])), radix: 16),
            let decoded = Unicode.Scalar(value)
        {
            result.append(decoded)
            index = end
        } else {
            result.append(scalar)
        }
    }
    return String(result)
}

func checkInterpolation(_ text: String) {
    let plain = Interpolator(environment: environment, directory: fixtures)
    let expanded = try? plain.expand(text)
    if !text.contains("$"), expanded != text { violated("text without $ changed", text) }

    var withValue = environment
    withValue["VALUE"] = text
    let interpolator = Interpolator(environment: withValue, directory: fixtures)
    guard (try? interpolator.expand("${VALUE}")) == text else { violated("${VALUE} is not the value as it is", text) }
    guard (try? interpolator.expand("<${VALUE?}>")) == "<\(text)>" else { violated("${VALUE?} is not the value", text) }
    if !text.isEmpty {
        guard (try? interpolator.expand("${VALUE:-x}")) == text else { violated("${VALUE:-x} is not the value", text) }
    }
    guard (try? interpolator.expand("${NOT_SET:-${VALUE}}")) == text else {
        violated("a nested default is not the value as it is", text)
    }
    // README: "$${ writes a literal ${": escaping every ${ gives the text back.
    // Scalar by scalar, as the interpolator reads: "{" and a combining mark after it are one Character.
    var escaped = String.UnicodeScalarView()
    var previous: Unicode.Scalar?
    for scalar in text.unicodeScalars {
        if previous == "$", scalar == "{" { escaped.append("$") }
        escaped.append(scalar)
        previous = scalar
    }
    guard (try? plain.expand(String(escaped))) == text else { violated("$${ escaping does not round-trip", text) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkLoader(text)
    checkInterpolation(text)
    return 0
}

// SwiftPM links an executable's own `main` (it renames the entry point and points `main` at it), which would
// shadow libFuzzer's; so this main hands control to libFuzzer's driver itself.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

_ = fixtures
var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, testOneInput))

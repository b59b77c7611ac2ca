import PrestartDatabase
import PrestartSystem

/// What an alembic step's `run` tells about how Alembic will read its configuration: which ini file, which
/// section. A `run` whose options could change what Alembic does at head (`-x` for env.py, `-c` naming another
/// file, another subcommand than `upgrade head`) is ``AlembicUnsure``.
///
/// A `run` that is not Alembic's command line itself (a wrapper script) is taken at its word: it upgrades the
/// database read through `config` to head, and does nothing else when it is there already.
struct AlembicCommand: Sendable, Equatable {
    enum Target: Sendable, Equatable {
        /// `upgrade head`: Alembic refuses a history with several heads.
        case head
        /// `upgrade heads`: every head, as expand/contract histories run it.
        case heads
    }

    /// The ini section Alembic reads (`-n`), `alembic` by default.
    var section: String
    var target: Target = .head

    static func analyze(
        _ argv: [String], config: String, workdir: String, environment: Environment
    ) throws(AlembicUnsure) -> AlembicCommand {
        let shown = argv.joined(separator: " ")
        let fromEnvironment = environment["ALEMBIC_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        if let fromEnvironment, Path.lastComponent(fromEnvironment) == "pyproject.toml" {
            throw AlembicUnsure("ALEMBIC_CONFIG names a pyproject.toml, whose [tool.alembic] prestart does not read")
        }
        let executable = argv.indices.first { index in
            Path.lastComponent(argv[index]) == "alembic"
                && (index == 0 || !argv[index - 1].hasPrefix("-") || argv[index - 1] == "-m")
        }
        guard let executable else {
            if argv.contains(where: { $0.contains("alembic") && $0.contains(where: \.isWhitespace) }) {
                throw AlembicUnsure(
                    "run is a shell command line (\(shown)), whose alembic options prestart cannot see; "
                        + "give run as an argv, or set fast-path = false")
            }
            return AlembicCommand(section: "alembic")
        }
        var configs: [String] = []
        var section = "alembic"
        var rest = Array(argv[(executable + 1)...])[...]
        func value(of option: String) throws(AlembicUnsure) -> String {
            guard let next = rest.popFirst() else { throw AlembicUnsure("run ends after \(option)") }
            return next
        }
        while let argument = rest.first, argument.hasPrefix("-") {
            rest.removeFirst()
            switch argument {
            case "-c", "--config": configs.append(try value(of: argument))
            case "-n", "--name": section = try value(of: argument)
            case "-q", "--quiet", "--raiseerr": break
            case _ where argument.hasPrefix("--config="): configs.append(String(argument.dropFirst(9)))
            case _ where argument.hasPrefix("--name="): section = String(argument.dropFirst(7))
            case _ where argument.hasPrefix("-c") && argument.count > 2: configs.append(String(argument.dropFirst(2)))
            case _ where argument.hasPrefix("-n") && argument.count > 2: section = String(argument.dropFirst(2))
            case _ where argument == "-x" || argument.hasPrefix("-x"):
                throw AlembicUnsure("run passes -x, which env.py may read (get_x_argument) and act on")
            default:
                throw AlembicUnsure("run passes \(argument), an option prestart does not know")
            }
        }
        let command = Array(rest)
        guard command.count == 2, command[0] == "upgrade", command[1] == "head" || command[1] == "heads" else {
            throw AlembicUnsure(
                "run is `\(shown)`, not `alembic upgrade head`: prestart cannot tell what it does at head")
        }
        if configs.contains(where: { Path.lastComponent($0) == "pyproject.toml" }) {
            throw AlembicUnsure("run passes -c pyproject.toml, whose [tool.alembic] prestart does not read")
        }
        guard configs.count <= 1 else { throw AlembicUnsure("run passes -c more than once") }
        let read = Path.resolve(configs.first ?? fromEnvironment ?? "alembic.ini", against: workdir)
        guard read == config else {
            let how = configs.isEmpty ? (fromEnvironment != nil ? "(ALEMBIC_CONFIG)" : "(no -c)") : "(-c)"
            throw AlembicUnsure(
                "run makes Alembic read \(Path.relative(read, to: workdir)) \(how), but the step reads "
                    + "\(Path.relative(config, to: workdir)): set config to the file Alembic reads, or pass it with -c")
        }
        return AlembicCommand(section: section, target: command[1] == "heads" ? .heads : .head)
    }
}

extension Path {
    static func lastComponent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

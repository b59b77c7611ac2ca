import PrestartDatabase
import PrestartLint
import PrestartSystem

extension Step {
    /// The step's SQL as it will run, unit by unit, for the linter: a migrations step's `.sql` files (each with its
    /// own transaction setting), a sql step's script, a schema file. PostgreSQL only: on SQLite there is nothing
    /// for PostgreSQL's parser to say. File names are shown relative to the config's folder.
    func lintUnits(of config: Config) -> [LintUnit] {
        let directory = config.directory
        switch kind {
        case let migrations as MigrationsStep:
            return migrations.files.flatMap { file -> [LintUnit] in
                let path = Path.relative(file.path, to: directory)
                switch file.body {
                case .sql(let utf8, let dialect, let transactional) where dialect == .postgres:
                    return [
                        LintUnit(
                            name: file.name, file: path, text: String(decoding: utf8, as: UTF8.self),
                            transactional: transactional)
                    ]
                case .tool(let migration, _) where !migration.isExternal:
                    // Another tool's file: only its up parts run, each at its own line, in the tool's transaction
                    // mode (a simple-query string of several statements is one implicit transaction).
                    return migration.parts.map { part in
                        let transactional: Bool
                        switch part.mode {
                        case .transaction: transactional = true
                        case .noTransaction: transactional = false
                        case .simpleQuery: transactional = ((try? PostgresParser.split(part.sql).get())?.count ?? 1) > 1
                        }
                        return LintUnit(
                            name: file.name, file: path, text: part.sql, firstLine: part.firstLine,
                            transactional: transactional)
                    }
                default:
                    return []
                }
            }
        case let sql as SQLStep:
            guard sql.script.dialect == .postgres else { return [] }
            let file = Path.relative(sql.origin, to: directory)
            // The file as written, comments and all, unless it has :name parameters (PostgreSQL's parser reads
            // only $1) or is inline in the config: then the statements as they are sent, each at its own line and
            // column.
            if sql.script.parameterNames.isEmpty, sql.origin != config.file,
                let text = try? FileSystem.readUTF8Text(atPath: sql.origin)
            {
                return [LintUnit(name: name, file: file, text: text, transactional: true)]
            }
            return [
                LintUnit(
                    name: name, file: file, text: Self.positioned(sql.script), firstLine: sql.firstLine,
                    transactional: true)
            ]
        case let schema as SchemaStep:
            guard schema.script.dialect == .postgres else { return [] }
            let text = (try? FileSystem.readUTF8Text(atPath: schema.file)) ?? Self.positioned(schema.script)
            return [
                LintUnit(name: name, file: Path.relative(schema.file, to: directory), text: text, transactional: true)
            ]
        default:
            return []
        }
    }

    /// The statements as sent (`$1` for `:name`), each put back at the line and column of its first token.
    static func positioned(_ script: SQLScript) -> String {
        var text = ""
        var line = 1
        for statement in script.statements {
            if statement.firstTokenLine > line {
                text += String(repeating: "\n", count: statement.firstTokenLine - line)
                line = statement.firstTokenLine
                text += String(repeating: " ", count: max(0, statement.firstTokenColumn - 1))
            } else {
                text += " "
            }
            text += statement.text + ";"
            line += statement.text.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        return text
    }
}

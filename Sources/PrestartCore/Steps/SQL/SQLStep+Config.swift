import PrestartDatabase
import PrestartSystem

extension SQLStep {
    public init(reading reader: StepTable) throws(ConfigError) {
        let dialect = try reader.database().url.dialect
        let file = try reader.path("file")
        let inline = try reader.string("sql")
        let text: String
        let origin: String
        var firstLine = 1
        switch (file, inline) {
        case (let file?, nil):
            do {
                text = try FileSystem.readUTF8Text(atPath: file)
            } catch {
                throw reader.error(key: "file", "cannot read the SQL file: \(error)")
            }
            origin = file
        case (nil, let inline?):
            text = inline
            origin = reader.file
            let key = reader.path + ["sql"]
            // A multi-line string starts on the line after `sql = """`.
            firstLine = (reader.sourceMap.line(of: key) ?? 0) + (reader.sourceMap.isMultiline(key) ? 1 : 0)
        case (nil, nil):
            throw reader.error("needs the SQL to run: file = \"PATH\" or sql = \"...\"")
        case (.some, .some):
            throw reader.error(key: "sql", "give either file or sql, not both")
        }
        let parameters = Dictionary(try reader.stringTable("params") ?? [], uniquingKeysWith: { $1 })
        let secret = try reader.strings("secret") ?? []
        for name in secret where parameters[name] == nil {
            throw reader.error(key: "secret", "names \"\(name)\", which is not in params")
        }
        let script = SQLScript(text, dialect: dialect)
        guard !script.statements.isEmpty else {
            throw reader.error(key: file == nil ? "sql" : "file", "holds no SQL statement")
        }
        for statement in script.statements {
            if !statement.parameterNames.isEmpty, let positional = statement.positionalParameters.first {
                let place = "\(Path.relative(origin, to: reader.directory)):\(firstLine + statement.firstTokenLine - 1)"
                throw reader.error(
                    key: file == nil ? "sql" : "file",
                    "the SQL (\(place)) mixes :name parameters with \(positional), which would take the value of the first :name; write every parameter as :name")
            }
            for name in statement.parameterNames where parameters[name] == nil {
                let line = firstLine + statement.firstTokenLine - 1
                let place = "\(Path.relative(origin, to: reader.directory)):\(line)"
                throw reader.error(
                    key: "params",
                    "the SQL uses :\(name) (\(place)) but params has no \(name); write ::\(name) for a cast, or add it")
            }
        }
        self.init(
            script: script, parameters: parameters, secretNames: secret, origin: origin, firstLine: firstLine)
    }
}

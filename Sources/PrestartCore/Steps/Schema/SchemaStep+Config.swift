import PrestartDatabase
import PrestartSystem

extension SchemaStep {
    public init(reading reader: StepTable) throws(ConfigError) {
        let dialect = try reader.database().url.dialect
        guard let file = try reader.path("file") else {
            throw reader.error(key: "file", "is required: the DDL exported from the models, e.g. file = \"schema.sql\"")
        }
        let text: String
        do {
            text = try FileSystem.readUTF8Text(atPath: file)
        } catch {
            throw reader.error(key: "file", "cannot read the schema file: \(error)")
        }
        let policies = DriftPolicy.allCases.map(\.rawValue)
        let driftText = try reader.string("drift") ?? "warn"
        guard let drift = DriftPolicy(rawValue: driftText) else {
            throw reader.error(key: "drift", "\"\(driftText)\" is not one of \(policies.joined(separator: ", "))")
        }
        let script = SQLScript(text, dialect: dialect)
        guard !script.statements.isEmpty else { throw reader.error(key: "file", "holds no SQL statement") }
        self.init(file: file, script: script, drift: drift, checksum: Checksum.sha256(text))
    }
}

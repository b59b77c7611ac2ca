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
        let driftText = try reader.string("drift") ?? "warn"
        guard let drift = DriftPolicy(rawValue: driftText) else {
            let policies = DriftPolicy.allCases.map(\.rawValue)
            throw reader.error(key: "drift", "\"\(driftText)\" is not one of \(policies.joined(separator: ", "))")
        }
        var unsafe = UnsafePolicy.warn
        if let unsafeText = try reader.string("unsafe") {
            guard drift == .apply else {
                throw reader.error(
                    key: "unsafe",
                    "says what a change that is not applied does with drift = \"apply\"; here drift = \"\(driftText)\"")
            }
            guard let policy = UnsafePolicy(rawValue: unsafeText) else {
                let policies = UnsafePolicy.allCases.map(\.rawValue)
                throw reader.error(key: "unsafe", "\"\(unsafeText)\" is not one of \(policies.joined(separator: ", "))")
            }
            unsafe = policy
        }
        let script = SQLScript(text, dialect: dialect)
        guard !script.statements.isEmpty else { throw reader.error(key: "file", "holds no SQL statement") }
        self.init(file: file, script: script, drift: drift, unsafe: unsafe, checksum: Checksum.sha256(text))
    }
}

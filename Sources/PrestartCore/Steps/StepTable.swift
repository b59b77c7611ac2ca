import TOMLKit
import PrestartSystem

/// A step's `[steps.NAME]` table as its kind reads it: typed, interpolated values, paths resolved against the
/// config's folder, and errors that name the file, line and key.
public struct StepTable {
    let reader: TableReader
    /// The step's name.
    public let name: String
    /// `[database]`, when the config has one.
    let databaseConfig: DatabaseConfig?

    init(reader: TableReader, name: String, database: DatabaseConfig?) {
        self.reader = reader
        self.name = name
        self.databaseConfig = database
    }

    /// The configured database; without one, an error on `kind` that says what to add.
    func database() throws(ConfigError) -> DatabaseConfig {
        guard let databaseConfig else {
            throw reader.error(
                key: "kind", "needs a database: add [database] with url = \"${DATABASE_URL}\" or \"sqlite:///app.db\"")
        }
        return databaseConfig
    }

    /// The config's folder: relative paths resolve against it.
    var directory: String { reader.context.directory }
    var file: String { reader.context.file }
    var sourceMap: SourceMap { reader.context.sourceMap }
    var path: [String] { reader.path }

    func error(key: String? = nil, _ message: String) -> ConfigError { reader.error(key: key, message) }
    func has(_ key: String) -> Bool { reader.table[key] != nil }
    func string(_ key: String) throws(ConfigError) -> String? { try reader.string(key) }
    func path(_ key: String) throws(ConfigError) -> String? { try reader.path(key) }
    func bool(_ key: String) throws(ConfigError) -> Bool? { try reader.bool(key) }
    func strings(_ key: String) throws(ConfigError) -> [String]? { try reader.strings(key) }
    func stringTable(_ key: String) throws(ConfigError) -> [(String, String)]? { try reader.stringTable(key) }
    func backoff(_ key: String) throws(ConfigError) -> Backoff? { try reader.backoff(key) }
}

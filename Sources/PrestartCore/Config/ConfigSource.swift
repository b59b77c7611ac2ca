import Synchronization

/// The file a ``TableReader`` reads from: for errors, relative paths and `${...}`.
struct ConfigSource: Sendable {
    var file: String
    var directory: String
    var sourceMap: SourceMap
    var interpolator: Interpolator
    var use: ConfigLoader.Use = .run
    /// The variables that were not set in values the command does not need, as warnings with file, line and key.
    let unset = UnsetLog()

    /// Whether a value at `path` may hold an unset variable: only when the command does not use it.
    func toleratesUnset(at path: [String]) -> Bool {
        switch use {
        case .run: false
        case .inspect(let needsDatabase): !(needsDatabase && path.first == "database")
        }
    }

    final class UnsetLog: Sendable {
        private let entries = Mutex<[ConfigError]>([])

        func append(_ warning: ConfigError) { entries.withLock { $0.append(warning) } }

        var all: [ConfigError] { entries.withLock { $0 } }
    }
}

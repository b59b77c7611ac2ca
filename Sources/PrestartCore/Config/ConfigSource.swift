/// The file a ``TableReader`` reads from: for errors, relative paths and `${...}`.
struct ConfigSource: Sendable {
    var file: String
    var directory: String
    var sourceMap: SourceMap
    var interpolator: Interpolator
}

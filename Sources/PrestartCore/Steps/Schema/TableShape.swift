
/// One table's shape, for drift: columns in order, and index names.
struct TableShape: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        var name: String
        var type: String
        var notNull: Bool
    }

    var name: String
    var columns: [Column]
    var indexes: Set<String>
}

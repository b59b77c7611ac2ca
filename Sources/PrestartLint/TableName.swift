/// A relation as a statement names it: `"user"`, `billing.invoice`.
public struct TableName: Sendable, Hashable, CustomStringConvertible {
    public var schema: String?
    public var name: String

    public init(schema: String? = nil, name: String) {
        self.schema = schema
        self.name = name
    }

    /// Quoted as in the messages: `"user"`, `"billing"."invoice"`.
    public var description: String {
        (schema.map { "\"\($0)\"." } ?? "") + "\"\(name)\""
    }

    /// Equal names, where a missing schema matches any: a file that writes `user` and one that writes
    /// `public.user` mean the same table on a default search path.
    func matches(_ other: TableName) -> Bool {
        name == other.name && (schema == nil || other.schema == nil || schema == other.schema)
    }
}

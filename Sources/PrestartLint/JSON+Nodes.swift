import PrestartSystem

/// Reading libpg_query's JSON parse tree: a node is `{"TypeName": {fields}}`; fields left at their zero value
/// (false, 0, empty) are omitted.
extension JSON {
    /// The node's type and fields, when this is a node.
    var node: (type: String, fields: JSON)? {
        guard case .object(let members) = self, members.count == 1 else { return nil }
        return (members[0].0, members[0].1)
    }

    /// A field that is a boolean: false when absent.
    func flag(_ key: String) -> Bool {
        if case .bool(let value)? = self[key] { return value }
        return false
    }

    func text(_ key: String) -> String? { self[key]?.string }

    /// A list of `{"String": {"sval": …}}` nodes: a qualified name, `["pg_catalog", "int4"]`.
    func names(_ key: String) -> [String] {
        (self[key]?.array ?? []).compactMap { $0["String"]?["sval"]?.string }
    }

    /// A `RangeVar` field as a table name.
    func rangeVar(_ key: String) -> TableName? {
        guard let relation = self[key], let name = relation.text("relname") else { return nil }
        return TableName(schema: relation.text("schemaname"), name: name)
    }

    /// Every object in this subtree with a member `key` (a `RangeVar` is written bare where a field's type is fixed:
    /// `"relation": {"relname": …}`), depth first.
    func objects(withKey key: String) -> [JSON] {
        var found: [JSON] = []
        func walk(_ value: JSON) {
            switch value {
            case .object(let members):
                if members.contains(where: { $0.0 == key }) { found.append(value) }
                for (_, member) in members { walk(member) }
            case .array(let values):
                for element in values { walk(element) }
            default:
                break
            }
        }
        walk(self)
        return found
    }

    /// Every node of `type` in this subtree, depth first.
    func nodes(ofType type: String) -> [JSON] {
        var found: [JSON] = []
        collect(type, into: &found)
        return found
    }

    private func collect(_ type: String, into found: inout [JSON]) {
        switch self {
        case .object(let members):
            for (key, value) in members {
                if key == type { found.append(value) }
                value.collect(type, into: &found)
            }
        case .array(let values):
            for value in values { value.collect(type, into: &found) }
        default:
            break
        }
    }
}

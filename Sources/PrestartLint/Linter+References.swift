import PrestartSystem

extension Linter {
    /// The relation and function names the units mention: what `plan` asks the catalog about before linting.
    public static func references(in units: [LintUnit]) -> (tables: Set<String>, functions: Set<String>) {
        var tables = Set<String>()
        var functions = Set<String>()
        for unit in units {
            guard case .success(let statements) = PostgresParser.parse(unit.text) else { continue }
            for statement in statements {
                for relation in statement.tree.objects(withKey: "relname") {
                    if let name = relation.text("relname") { tables.insert(name) }
                }
                for object in statement.tree.nodes(ofType: "List") {
                    if let name = object.names("items").last { tables.insert(name) }
                }
                for call in statement.tree.nodes(ofType: "FuncCall") {
                    if let name = call.names("funcname").last { functions.insert(name.lowercased()) }
                }
            }
        }
        return (tables, functions)
    }
}

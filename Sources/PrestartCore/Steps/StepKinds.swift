/// Every step kind this version knows. A new kind is a folder under `Steps/` and one entry here.
public enum StepKinds {
    public static let all: [any StepKind.Type] = [
        WaitStep.self, SchemaStep.self, SQLStep.self, MigrationsStep.self, AlembicStep.self, CommandStep.self,
    ]

    public static func named(_ name: String) -> (any StepKind.Type)? {
        all.first { $0.name == name }
    }

    /// `wait, schema, sql, migrations, alembic, command`: for the "expected one of" of errors.
    static var names: String {
        all.map { $0.name }.joined(separator: ", ")
    }
}

import Testing

@testable import PrestartCore
@testable import PrestartDatabase
@testable import PrestartSystem

@Suite struct SchemaPlanTests {
    let user = TableShape(
        name: "user",
        columns: [.init(name: "id", type: "uuid", notNull: true), .init(name: "email", type: "varchar(255)", notNull: true)],
        indexes: [
            "user_pkey": .init(name: "user_pkey", unique: true, definition: "USING btree (id)", constraint: "user_pkey"),
            "ix_user_email": .init(name: "ix_user_email", unique: true, definition: "USING btree (email)"),
        ],
        constraints: ["user_pkey": .init(name: "user_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])
    let item = TableShape(
        name: "item", columns: [.init(name: "id", type: "uuid", notNull: true)],
        indexes: ["item_pkey": .init(name: "item_pkey", unique: true, definition: "USING btree (id)", constraint: "item_pkey")],
        constraints: ["item_pkey": .init(name: "item_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)")])

    var created: [Set<SchemaObject>] {
        [
            [.table("user"), .attached(kind: "index", name: "user_pkey", table: "user")],
            [.attached(kind: "index", name: "ix_user_email", table: "user")],
            [.table("item"), .attached(kind: "constraint", name: "item_owner_fkey", table: "item")],
            [.standalone(kind: "type", name: "mood")],
        ]
    }

    @Test func anEmptyDatabaseGetsEveryStatement() {
        let plan = SchemaPlan.make(
            created: created, declared: ["user": user, "item": item], existing: [], existingTables: [:])
        #expect(plan.statements == [0, 1, 2, 3])
        #expect(plan.newTables == ["user", "item"])
        #expect(plan.drift.isEmpty)
    }

    @Test func existingTablesAreLeftAloneAndComparedInstead() {
        var drifted = user
        drifted.columns[1] = .init(name: "email", type: "text", notNull: false)
        drifted.columns.append(.init(name: "nick", type: "text", notNull: false))
        drifted.indexes["ix_user_email"] = nil
        let plan = SchemaPlan.make(
            created: created, declared: ["user": user, "item": item],
            existing: [.standalone(kind: "type", name: "mood")], existingTables: ["user": drifted])
        #expect(plan.statements == [2], "only item's statement: the index of an existing table is drift, not created")
        #expect(plan.newTables == ["item"])
        #expect(
            plan.drift == [
                "user.email: type is text, the models say varchar(255)",
                "user.email: nullable, the models say NOT NULL",
                "user.nick: extra column (text), not in the models",
                "user: missing index ix_user_email",
            ])
    }
}

@Suite struct SchemaCacheTests {
    @Test func theLessonSurvivesItsTextForm() throws {
        let lesson = SchemaCache(
            created: [
                [.table("user"), .attached(kind: "index", name: "user_pkey", table: "user")],
                [],
                [.standalone(kind: "type", name: "odd\tname\\with\nbreaks")],
            ],
            declared: [
                "user": TableShape(
                    name: "user",
                    columns: [
                        .init(name: "id", type: "uuid", notNull: true),
                        .init(name: "n", type: "integer", notNull: true, defaultValue: "0"),
                        .init(name: "at", type: "timestamp", notNull: false, defaultValue: "clock_timestamp()", addsWithoutRewrite: false),
                        .init(name: "seq", type: "integer", notNull: true, addsWithoutRewrite: false, computed: "identity"),
                    ],
                    indexes: [
                        "user_pkey": .init(name: "user_pkey", unique: true, definition: "USING btree (id)", constraint: "user_pkey"),
                        "ix\tn": .init(name: "ix\tn", unique: false, definition: "USING btree (n) WHERE (n > 0)", valid: false),
                    ],
                    constraints: [
                        "user_pkey": .init(name: "user_pkey", kind: .primaryKey, definition: "PRIMARY KEY (id)"),
                        "user_n_check": .init(name: "user_n_check", kind: .check, definition: "CHECK ((n > 0))", valid: false),
                    ],
                    partitioned: true)
            ])
        let decoded = try #require(SchemaCache(encoded: lesson.encoded))
        #expect(decoded == lesson)
        #expect(SchemaCache(encoded: "X\tunknown") == nil)
        #expect(SchemaCache(encoded: "T\t0\tuser") == nil, "without its count line the text is not trusted")
        #expect(
            SchemaCache(encoded: lesson.encoded.replacing("V\t\(SchemaCache.version)", with: "V\t1")) == nil,
            "a lesson another version wrote is learnt again")
    }
}

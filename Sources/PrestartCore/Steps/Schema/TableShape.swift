/// One table's shape, for drift: its columns in order, its indexes and its constraints, as the database's catalogs
/// describe them (so a table the file declares, read back from the shadow, compares with a real one).
struct TableShape: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        var name: String
        /// As the catalog writes it: `character varying(255)` on PostgreSQL (`format_type`), the declared type on
        /// SQLite.
        var type: String
        var notNull: Bool
        /// The default as the database writes it back (`pg_get_expr`, SQLite's `dflt_value`); nil for none.
        var defaultValue: String? = nil
        /// Whether adding the column to a table that has rows rewrites nothing: no default or a non-volatile one
        /// (PostgreSQL 11+ stores it once as the rows' "missing value"), and not computed. Learnt from the server in
        /// the shadow (PostgreSQL), from the default's form on SQLite.
        var addsWithoutRewrite = true
        /// `identity` or `generated` for a column the database computes, which adding rewrites the table.
        var computed: String? = nil
        /// PostgreSQL: the column's collation when it is not its type's default (`"C"`).
        var collation: String? = nil
        /// SQLite: the column's definition as its `CREATE TABLE` writes it (`"name" text COLLATE NOCASE CHECK (…)`).
        var declaration: String? = nil
    }

    struct Index: Sendable, Equatable {
        var name: String
        var unique: Bool
        /// PostgreSQL: what follows `ON table` in `pg_get_indexdef` (`USING btree (email)`); SQLite: the whole
        /// `CREATE INDEX` statement as stored in `sqlite_master`; empty when the database made it for a constraint.
        var definition: String
        /// The constraint the index exists for (a primary key, UNIQUE or exclusion constraint), if any.
        var constraint: String? = nil
        /// False for an index that a `CREATE INDEX CONCURRENTLY` left behind when it was interrupted.
        var valid = true
    }

    struct Constraint: Sendable, Equatable {
        enum Kind: String, Sendable {
            case primaryKey = "p", unique = "u", foreignKey = "f", check = "c", exclusion = "x"
        }

        var name: String
        var kind: Kind
        /// `pg_get_constraintdef`: `FOREIGN KEY (owner_id) REFERENCES "user"(id) ON DELETE CASCADE`.
        var definition: String
        /// False for one added `NOT VALID` and not validated yet.
        var valid = true
        /// SQLite: the columns it is on (SQLite names no constraint, so they are its key).
        var columns: [String] = []
    }

    var name: String
    var columns: [Column]
    var indexes: [String: Index] = [:]
    var constraints: [String: Constraint] = [:]
    /// A partitioned table (PostgreSQL): its indexes cannot be built concurrently.
    var partitioned = false
    /// SQLite: the table's `CREATE TABLE` statement as stored, for the rebuild a column change needs.
    var createStatement: String? = nil
}

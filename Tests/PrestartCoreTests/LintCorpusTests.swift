import PrestartLint
import Testing

/// The rules against a corpus of statements, each with the rule ids it must raise (and only those), including the
/// false positives squawk's users reported.
@Suite struct LintCorpusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var sql: String
        var expected: [String]
        var version = 15
        var transactional = true

        var testDescription: String { "\(sql.prefix(70)) (PG \(version)\(transactional ? "" : ", no transaction"))" }
    }

    static let corpus: [Case] = [
        // require-concurrent-index
        Case(sql: "CREATE INDEX ix_user_email ON \"user\" (email);", expected: ["require-concurrent-index"]),
        Case(sql: "CREATE UNIQUE INDEX ix ON account (lower(email));", expected: ["require-concurrent-index"]),
        Case(sql: "CREATE INDEX ON public.item USING gin (tags);", expected: ["require-concurrent-index"]),
        Case(sql: "CREATE INDEX IF NOT EXISTS ix ON item (owner_id) WHERE deleted_at IS NULL;", expected: ["require-concurrent-index"]),
        // squawk #349: an index right after CREATE TABLE in the same unit is harmless
        Case(sql: "CREATE TABLE item (id int, owner_id int);\nCREATE INDEX ix_item_owner ON item (owner_id);", expected: []),
        Case(sql: "CREATE TABLE public.item (id int);\nCREATE INDEX ON item (id);", expected: []),
        Case(sql: "CREATE TABLE m (id int, at date) PARTITION BY RANGE (at);\nCREATE INDEX ON m (at);", expected: []),
        Case(sql: "CREATE INDEX ix ON ONLY measurement (logdate);", expected: []),
        // CONCURRENTLY in a no-transaction file is the safe form
        Case(sql: "CREATE INDEX CONCURRENTLY ix ON \"user\" (email);", expected: [], transactional: false),
        Case(sql: "CREATE INDEX CONCURRENTLY IF NOT EXISTS ix ON item (a);\nCREATE INDEX CONCURRENTLY ix2 ON item (b);", expected: [], transactional: false),
        Case(sql: "CREATE INDEX CONCURRENTLY ix ON \"user\" (email);", expected: ["concurrently-in-transaction"]),
        Case(sql: "DROP INDEX CONCURRENTLY ix;", expected: ["concurrently-in-transaction"]),
        Case(sql: "REINDEX INDEX CONCURRENTLY ix;", expected: ["concurrently-in-transaction"]),
        Case(sql: "REINDEX INDEX CONCURRENTLY ix;", expected: [], transactional: false),
        // require-concurrent-drop-index
        Case(sql: "DROP INDEX ix_user_email;", expected: ["require-concurrent-drop-index"]),
        Case(sql: "DROP INDEX IF EXISTS public.ix_user_email;", expected: ["require-concurrent-drop-index"]),
        Case(sql: "DROP INDEX CONCURRENTLY IF EXISTS ix_user_email;", expected: [], transactional: false),
        // volatile-default: squawk #390 and PG-version false positives
        Case(sql: "ALTER TABLE item ADD COLUMN n int DEFAULT 0;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN n int DEFAULT 0;", expected: ["volatile-default"], version: 10),
        Case(sql: "ALTER TABLE item ADD COLUMN created_at timestamptz DEFAULT now();", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN created_at timestamptz DEFAULT now();", expected: ["volatile-default"], version: 10),
        Case(sql: "ALTER TABLE item ADD COLUMN active boolean DEFAULT true;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN active boolean DEFAULT true;", expected: ["volatile-default"], version: 10),
        Case(sql: "ALTER TABLE item ADD COLUMN active boolean NOT NULL DEFAULT false;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN at timestamptz DEFAULT CURRENT_TIMESTAMP;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN label text DEFAULT 'none'::text;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN label text DEFAULT NULL;", expected: [], version: 10),
        Case(sql: "ALTER TABLE item ADD COLUMN token uuid DEFAULT gen_random_uuid();", expected: ["volatile-default"]),
        Case(sql: "ALTER TABLE item ADD COLUMN r float8 DEFAULT random();", expected: ["volatile-default"]),
        Case(sql: "ALTER TABLE item ADD COLUMN at timestamptz DEFAULT clock_timestamp();", expected: ["volatile-default"]),
        Case(sql: "ALTER TABLE item ADD COLUMN seq bigserial;", expected: ["volatile-default"]),
        Case(sql: "ALTER TABLE item ADD COLUMN id2 int GENERATED ALWAYS AS IDENTITY;", expected: ["volatile-default"]),
        Case(sql: "ALTER TABLE item ADD COLUMN x int DEFAULT my_func();", expected: ["volatile-default"]),
        Case(sql: "CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid();", expected: []),
        // stored-generated-column
        Case(sql: "ALTER TABLE item ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;", expected: ["stored-generated-column"]),
        // add-required-column
        Case(sql: "ALTER TABLE item ADD COLUMN owner_id uuid NOT NULL;", expected: ["add-required-column"]),
        Case(sql: "ALTER TABLE item ADD COLUMN owner_id uuid;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN n int NOT NULL DEFAULT 0;", expected: []),
        // set-not-null
        Case(sql: "ALTER TABLE item ALTER COLUMN owner_id SET NOT NULL;", expected: ["set-not-null"]),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT owner_nn CHECK (owner_id IS NOT NULL);\nALTER TABLE item ALTER COLUMN owner_id SET NOT NULL;", expected: ["constraint-not-valid"]),
        Case(sql: "ALTER TABLE item ALTER COLUMN owner_id DROP NOT NULL;", expected: []),
        // constraint-not-valid
        Case(sql: "ALTER TABLE item ADD CONSTRAINT fk FOREIGN KEY (owner_id) REFERENCES \"user\" (id);", expected: ["constraint-not-valid"]),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT fk FOREIGN KEY (owner_id) REFERENCES \"user\" (id) NOT VALID;", expected: []),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT positive CHECK (price > 0);", expected: ["constraint-not-valid"]),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT positive CHECK (price > 0) NOT VALID;", expected: []),
        Case(sql: "ALTER TABLE item VALIDATE CONSTRAINT positive;", expected: []),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT positive CHECK (price > 0) NOT VALID;\nALTER TABLE item VALIDATE CONSTRAINT positive;", expected: ["constraint-not-valid"]),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT positive CHECK (price > 0) NOT VALID;\nALTER TABLE item VALIDATE CONSTRAINT positive;", expected: [], transactional: false),
        Case(sql: "ALTER TABLE item ADD COLUMN owner_id uuid REFERENCES \"user\" (id);", expected: ["constraint-not-valid"]),
        // add-primary-key, add-unique-constraint
        Case(sql: "ALTER TABLE item ADD PRIMARY KEY (id);", expected: ["add-primary-key"]),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT item_pkey PRIMARY KEY USING INDEX item_id_idx;", expected: []),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT item_code_key UNIQUE (code);", expected: ["add-unique-constraint"]),
        Case(sql: "ALTER TABLE item ADD CONSTRAINT item_code_key UNIQUE USING INDEX item_code_idx;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN code text UNIQUE;", expected: ["add-unique-constraint"]),
        // change-column-type: binary-coercible changes are free
        Case(sql: "ALTER TABLE item ALTER COLUMN id TYPE bigint;", expected: ["change-column-type"]),
        Case(sql: "ALTER TABLE item ALTER COLUMN price TYPE numeric(12, 2) USING price::numeric;", expected: ["change-column-type"]),
        Case(sql: "CREATE TABLE IF NOT EXISTS x (a int);\nALTER TABLE item ALTER COLUMN title TYPE text;", expected: []),
        Case(sql: "ALTER TABLE item ALTER COLUMN title TYPE varchar(20);", expected: []),
        Case(sql: "ALTER TABLE item ALTER COLUMN title TYPE varchar;", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN c varchar(10);\nALTER TABLE item ALTER COLUMN c TYPE varchar(20);", expected: []),
        Case(sql: "ALTER TABLE item ADD COLUMN c varchar(10);\nALTER TABLE item ALTER COLUMN c TYPE varchar(5);", expected: ["change-column-type"]),
        Case(sql: "ALTER TABLE item ADD COLUMN c int;\nALTER TABLE item ALTER COLUMN c TYPE text;", expected: ["change-column-type"]),
        Case(sql: "ALTER TABLE item ALTER COLUMN title TYPE text USING upper(title);", expected: ["change-column-type"]),
        // rename, drop
        Case(sql: "ALTER TABLE item RENAME COLUMN title TO name;", expected: ["rename-column"]),
        Case(sql: "ALTER TABLE item RENAME TO product;", expected: ["rename-table"]),
        Case(sql: "ALTER INDEX ix RENAME TO ix2;", expected: []),
        Case(sql: "ALTER TABLE item DROP COLUMN legacy;", expected: ["drop-column"]),
        Case(sql: "DROP TABLE IF EXISTS legacy_item;", expected: ["drop-table"]),
        Case(sql: "CREATE TABLE scratch (id int);\nDROP TABLE scratch;", expected: []),
        // truncate, vacuum, cluster
        Case(sql: "TRUNCATE \"user\" CASCADE;", expected: ["truncate-cascade"]),
        Case(sql: "TRUNCATE item;", expected: []),
        Case(sql: "VACUUM FULL item;", expected: ["vacuum-full-or-cluster"], transactional: false),
        Case(sql: "VACUUM (FULL, ANALYZE) item;", expected: ["vacuum-full-or-cluster"], transactional: false),
        Case(sql: "CLUSTER item USING item_pkey;", expected: ["vacuum-full-or-cluster"]),
        Case(sql: "VACUUM ANALYZE item;", expected: [], transactional: false),
        // enum-add-value-in-transaction: only before 12
        Case(sql: "ALTER TYPE mood ADD VALUE 'meh';", expected: []),
        Case(sql: "ALTER TYPE mood ADD VALUE 'meh';", expected: ["enum-add-value-in-transaction"], version: 11),
        Case(sql: "ALTER TYPE mood ADD VALUE 'meh';", expected: [], version: 11, transactional: false),
        // lock-timeout-disabled
        Case(sql: "SET lock_timeout = 0;\nALTER TABLE item ADD COLUMN note text;", expected: ["lock-timeout-disabled"]),
        Case(sql: "SET statement_timeout = '0';\nCREATE INDEX ix ON item (a);", expected: ["lock-timeout-disabled", "require-concurrent-index"]),
        Case(sql: "SET lock_timeout = '5s';\nALTER TABLE item ADD COLUMN note text;", expected: []),
        Case(sql: "SET lock_timeout = 0;\nUPDATE item SET note = '';", expected: []),
        // what is plainly safe
        Case(sql: "CREATE TABLE \"user\" (id uuid PRIMARY KEY, email varchar(255) NOT NULL UNIQUE);", expected: []),
        Case(sql: "INSERT INTO \"user\" (email) VALUES ($1) ON CONFLICT DO NOTHING;", expected: []),
        Case(sql: "UPDATE item SET title = lower(title) WHERE id < 1000;", expected: []),
        Case(sql: "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;", expected: []),
        Case(sql: "CREATE EXTENSION IF NOT EXISTS pgcrypto;", expected: []),
        Case(sql: "ALTER TABLE item ALTER COLUMN note SET DEFAULT '';", expected: []),
        Case(sql: "COMMENT ON TABLE item IS 'things';", expected: []),
        Case(sql: "CREATE VIEW v AS SELECT * FROM item;", expected: []),
        // errors the parser finds
        Case(sql: "CREATE TABLE (id int);", expected: ["syntax-error"]),
        Case(sql: "SELEC 1;", expected: ["syntax-error"]),
    ]

    @Test(arguments: corpus) func raisesExactlyTheExpectedRules(_ example: Case) {
        let linter = Linter(options: LintOptions(serverVersion: example.version * 10000))
        let report = linter.lint(LintUnit(name: "t", file: "t.sql", text: example.sql, transactional: example.transactional))
        #expect(report.findings.map(\.rule.rawValue).sorted() == example.expected.sorted(), "\(report.findings.map(\.text))")
    }
}

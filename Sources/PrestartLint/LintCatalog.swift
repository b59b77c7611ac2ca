/// What `plan` knows from the live server, gathered before linting in a few catalog queries, so the linter itself
/// stays a pure function of text and facts.
public struct LintCatalog: Sendable {
    /// One existing table (or partitioned table).
    public struct Table: Sendable {
        public var name: TableName
        /// `pg_class.reltuples`: -1 when never vacuumed or analyzed.
        public var estimatedRows: Double
        /// `pg_relation_size` in 8 kB pages (the data on disk, even before an ANALYZE).
        public var pages: Int
        public var partitioned: Bool
        /// Column name → `format_type(atttypid, atttypmod)`.
        public var columns: [String: String]
        /// For a partitioned table: per partition, the column list of each of its indexes (`"a,b"`).
        public var partitionIndexes: [[String]]

        public init(
            name: TableName, estimatedRows: Double, pages: Int, partitioned: Bool = false,
            columns: [String: String] = [:], partitionIndexes: [[String]] = []
        ) {
            self.name = name
            self.estimatedRows = estimatedRows
            self.pages = pages
            self.partitioned = partitioned
            self.columns = columns
            self.partitionIndexes = partitionIndexes
        }

        /// `≈ 2.1 M rows`, `empty`, `≈ 12 MB, never analyzed`.
        public var sizeText: String {
            if isEmpty { return "empty" }
            guard estimatedRows >= 0 else { return "≈ \(Self.megabytes(pages)) MB, never analyzed" }
            return "≈ \(Self.rows(estimatedRows)) rows"
        }

        public var isEmpty: Bool { pages == 0 || estimatedRows == 0 && pages <= 1 }

        static func rows(_ count: Double) -> String {
            func oneDecimal(_ value: Double) -> String {
                let tenths = Int((value * 10).rounded())
                return tenths % 10 == 0 || tenths >= 100 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
            }
            if count >= 999_500 { return oneDecimal(count / 1_000_000) + " M" }
            if count >= 1000 { return oneDecimal(count / 1000) + " k" }
            return "\(Int(count.rounded()))"
        }

        static func megabytes(_ pages: Int) -> String {
            let megabytes = Double(pages) * 8192 / 1_048_576
            return megabytes >= 10 ? "\(Int(megabytes.rounded()))" : "\(Double(Int(megabytes * 10)) / 10)"
        }
    }

    /// `server_version_num`.
    public var serverVersion: Int
    public var tables: [Table]
    /// Function name (lowercase) → `pg_proc.provolatile` (`i`, `s`, `v`; the most volatile of its overloads).
    public var functionVolatility: [String: Character]

    public init(serverVersion: Int, tables: [Table], functionVolatility: [String: Character] = [:]) {
        self.serverVersion = serverVersion
        self.tables = tables
        self.functionVolatility = functionVolatility
    }

    /// The table a statement names, if it exists: in the schema it names, else in `public` (the default search
    /// path), else in any schema.
    public func table(_ name: TableName) -> Table? {
        let candidates = tables.filter { $0.name.matches(name) }
        if name.schema != nil { return candidates.first }
        return candidates.first { $0.name.schema == "public" } ?? candidates.first
    }
}

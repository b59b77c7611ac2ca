import PrestartSystem

/// How volatile a DEFAULT expression is, from the functions it calls: PostgreSQL 11+ adds a column with a
/// non-volatile default without rewriting the table (the value is computed once and kept in the catalog); a
/// volatile one (`random()`, `gen_random_uuid()`, `nextval()`, `clock_timestamp()`) is computed per row, so the
/// table is rewritten under ACCESS EXCLUSIVE.
enum Volatility: Int, Comparable {
    case immutable, stable, volatile

    static func < (lhs: Volatility, rhs: Volatility) -> Bool { lhs.rawValue < rhs.rawValue }

    init?(provolatile: Character) {
        switch provolatile {
        case "i": self = .immutable
        case "s": self = .stable
        case "v": self = .volatile
        default: return nil
        }
    }

    /// Built-in functions whose `provolatile` is `v` (PostgreSQL 15's catalog), among those a DEFAULT would call.
    static let volatileBuiltins: Set<String> = [
        "random", "random_normal", "setseed", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc",
        "uuid_generate_v4", "nextval", "currval", "lastval", "setval", "clock_timestamp", "timeofday",
        "txid_current", "txid_current_if_assigned", "pg_current_xact_id", "pg_current_xact_id_if_assigned",
        "gen_random_bytes", "gen_salt", "crypt", "pg_backend_pid", "inet_client_addr",
    ]

    /// Built-in functions known not to be volatile (immutable or stable), among those defaults call. Anything else
    /// counts as volatile in `check` (as strong_migrations does); `plan` asks `pg_proc`.
    static let nonVolatileBuiltins: Set<String> = [
        "now", "transaction_timestamp", "statement_timestamp", "current_timestamp", "current_date", "current_time",
        "localtimestamp", "localtime", "current_user", "session_user", "current_schema", "current_database",
        "timezone", "date_trunc", "date_part", "extract", "make_date", "make_time", "make_timestamp",
        "make_timestamptz", "make_interval", "to_timestamp", "to_date", "to_char", "to_number", "age",
        "lower", "upper", "initcap", "concat", "concat_ws", "format", "length", "char_length", "substr", "substring",
        "replace", "trim", "btrim", "ltrim", "rtrim", "lpad", "rpad", "left", "right", "repeat", "md5", "encode",
        "decode", "abs", "round", "ceil", "floor", "trunc", "greatest", "least", "coalesce", "nullif", "array",
        "array_fill", "jsonb_build_object", "json_build_object", "jsonb_build_array", "json_build_array",
        "to_jsonb", "to_json", "jsonb_object", "json_object", "int4", "int8", "text", "numeric", "bool",
        "pg_catalog.now", "uuid_nil", "uuid_ns_url", "inet", "cidr", "point", "tsvector", "to_tsvector",
        "daterange", "tstzrange", "tsrange", "int4range", "int8range", "numrange",
    ]

    /// The volatility of an expression: the most volatile function it calls. `unknown` gets the names it could
    /// not place, for `plan` to look up.
    static func of(_ expression: JSON, catalog: [String: Character]?, unknown: inout [String]) -> Volatility {
        var result = Volatility.immutable
        if !expression.nodes(ofType: "SQLValueFunction").isEmpty { result = .stable }
        for call in expression.nodes(ofType: "FuncCall") {
            let names = call.names("funcname").map { $0.lowercased() }
            guard let name = names.last else { continue }
            let volatility: Volatility
            if let known = catalog?[name].flatMap(Volatility.init(provolatile:)) {
                volatility = known
            } else if volatileBuiltins.contains(name) {
                volatility = .volatile
            } else if nonVolatileBuiltins.contains(name) {
                volatility = .stable
            } else {
                unknown.append(names.joined(separator: "."))
                volatility = .volatile
            }
            result = max(result, volatility)
        }
        return result
    }
}

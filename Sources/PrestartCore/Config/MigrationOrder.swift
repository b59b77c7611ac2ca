/// Version order for migration files: a leading number compares as a number (`2-x` before `10-y`), however
/// many digits it has; files without one come after those with one; ties go by name.
public enum MigrationOrder {
    public static func precedes(_ left: String, _ right: String) -> Bool {
        precedes(split(left), split(right), left, right)
    }

    /// `names` in version order, each name split once.
    public static func sorted(_ names: [String]) -> [String] {
        names.map { (name: $0, key: split($0)) }
            .sorted { precedes($0.key, $1.key, $0.name, $1.name) }
            .map(\.name)
    }

    private static func precedes(
        _ leftKey: (String?, Substring), _ rightKey: (String?, Substring), _ left: String, _ right: String
    ) -> Bool {
        let (leftNumber, leftRest) = leftKey
        let (rightNumber, rightRest) = rightKey
        switch (leftNumber, rightNumber) {
        case (let l?, let r?):
            if l != r { return l.count != r.count ? l.count < r.count : l < r }
            return leftRest < rightRest
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return left < right
        }
    }

    /// The leading digits without leading zeros (`nil` when there are none), and the rest.
    private static func split(_ name: String) -> (String?, Substring) {
        let digits = name.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return (nil, name[...]) }
        let significant = digits.drop { $0 == "0" }
        return (significant.isEmpty ? "0" : String(significant), name.dropFirst(digits.count))
    }
}

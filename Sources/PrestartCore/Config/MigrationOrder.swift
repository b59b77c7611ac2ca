/// Version order for migration files: a leading number compares as a number (`2-x` before `10-y`), however
/// many digits it has; files without one come after those with one; ties go by name.
public enum MigrationOrder {
    /// `names` in version order, each name split once.
    public static func sorted(_ names: [String]) -> [String] {
        names.map(Key.init).sorted { $0.precedes($1) }.map(\.name)
    }

    static func precedes(_ left: String, _ right: String) -> Bool {
        Key(left).precedes(Key(right))
    }

    /// A name split into its leading number (without leading zeros) and the rest, once, so that sorting a folder of
    /// a thousand files compares bytes instead of re-reading Unicode strings.
    private struct Key {
        let name: String
        /// The leading digits without leading zeros ("0" for zeros only), nil when there are none.
        let number: ArraySlice<UInt8>?
        let rest: Substring
        /// Byte order is String order for ASCII; other names are compared as Strings (canonical equivalence).
        let isASCII: Bool

        /// Digits are ASCII bytes: a digit with a combining mark after it (`1\u{301}`) still counts as one.
        init(_ name: String) {
            self.name = name
            let utf8 = Array(name.utf8)[...]
            let digits = utf8.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
            if digits.isEmpty {
                number = nil
            } else {
                let significant = digits.drop { $0 == UInt8(ascii: "0") }
                number = significant.isEmpty ? digits.suffix(1) : significant
            }
            rest = Substring(name.utf8.dropFirst(digits.count))
            isASCII = utf8.allSatisfy { $0 < 0x80 }
        }

        func precedes(_ other: Key) -> Bool {
            switch (number, other.number) {
            case (let l?, let r?):
                if l.count != r.count { return l.count < r.count }
                if l != r { return l.lexicographicallyPrecedes(r) }
                if rest != other.rest { return Self.less(rest, other.rest, ascii: isASCII && other.isASCII) }
                // `01-x` and `1-x`: still one order, whatever order the folder lists them in.
                return Self.less(name[...], other.name[...], ascii: isASCII && other.isASCII)
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return Self.less(name[...], other.name[...], ascii: isASCII && other.isASCII)
            }
        }

        private static func less(_ left: Substring, _ right: Substring, ascii: Bool) -> Bool {
            ascii ? left.utf8.lexicographicallyPrecedes(right.utf8) : left < right
        }
    }
}

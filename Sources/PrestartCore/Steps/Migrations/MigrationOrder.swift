import PrestartDatabase
import PrestartSystem

/// Version order for migration files: a leading number compares as a number (`2-x` before `10-y`), however
/// many digits it has, then the rest of the name; files without one come after those with one; names that still
/// tie (`01-x`, `1-x`) go by the whole name, so the order never depends on how the folder lists them.
public enum MigrationOrder {
    /// `names` in version order. Every name is split once into ranges of one shared byte buffer, so sorting a folder
    /// of a thousand files moves plain integers and compares bytes (Strings only for names that are not ASCII).
    public static func sorted(_ names: [String]) -> [String] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(names.reduce(0) { $0 + $1.utf8.count })
        let keys = names.indices.map { Key(index: $0, name: names[$0], appendingTo: &bytes) }
        return bytes.withUnsafeBufferPointer { bytes in
            keys.sorted { $0.precedes($1, bytes: bytes, names: names) }.map { names[$0.index] }
        }
    }

    private struct Key {
        let index: Int
        /// The whole name, its leading digits without leading zeros ("0" for zeros only; empty without digits),
        /// and what follows the digits, as ranges of the shared buffer. Digits are ASCII bytes: a digit with a
        /// combining mark after it (`1\u{301}`) still counts as one.
        let whole: Range<Int>
        let number: Range<Int>
        let rest: Range<Int>
        let hasNumber: Bool
        /// Byte order is String order for ASCII; other names are compared as Strings (canonical equivalence).
        let isASCII: Bool

        init(index: Int, name: String, appendingTo bytes: inout [UInt8]) {
            self.index = index
            let start = bytes.count
            bytes.append(contentsOf: name.utf8)
            whole = start..<bytes.count
            var digitsEnd = start
            while digitsEnd < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[digitsEnd]) {
                digitsEnd += 1
            }
            var significant = start
            while significant < digitsEnd - 1, bytes[significant] == UInt8(ascii: "0") { significant += 1 }
            hasNumber = digitsEnd > start
            number = significant..<digitsEnd
            rest = digitsEnd..<bytes.count
            isASCII = bytes[start...].allSatisfy { $0 < 0x80 }
        }

        func precedes(_ other: Key, bytes: UnsafeBufferPointer<UInt8>, names: [String]) -> Bool {
            if hasNumber != other.hasNumber { return hasNumber }
            if hasNumber {
                // Digits only: byte order is numeric order once the lengths are equal.
                if number.count != other.number.count { return number.count < other.number.count }
                if let order = Self.order(bytes[number], bytes[other.number]) { return order }
                if let order = text(rest, other, other.rest, bytes: bytes, names: names) { return order }
            }
            return text(whole, other, other.whole, bytes: bytes, names: names) ?? false
        }

        /// Whether `left` sorts first; nil when they are equal.
        private static func order(_ left: Slice<UnsafeBufferPointer<UInt8>>, _ right: Slice<UnsafeBufferPointer<UInt8>>)
            -> Bool?
        {
            left.elementsEqual(right) ? nil : left.lexicographicallyPrecedes(right)
        }

        /// `range` of this name against `otherRange` of the other's: as bytes when both are ASCII, else as Strings.
        private func text(
            _ range: Range<Int>, _ other: Key, _ otherRange: Range<Int>, bytes: UnsafeBufferPointer<UInt8>,
            names: [String]
        ) -> Bool? {
            if isASCII && other.isASCII { return Self.order(bytes[range], bytes[otherRange]) }
            let left = Substring(names[index].utf8.dropFirst(range.lowerBound - whole.lowerBound))
            let right = Substring(names[other.index].utf8.dropFirst(otherRange.lowerBound - other.whole.lowerBound))
            return left == right ? nil : left < right
        }
    }
}

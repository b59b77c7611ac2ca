/// A unit's text as bytes, for turning the parser's byte offsets into lines and columns and for reading the
/// comments between statements (where `-- prestart:allow` lives). What is a statement and where it starts comes
/// from the parser; this only walks the gaps it leaves, which hold nothing but blanks, comments and `;`.
struct SourceText {
    let bytes: [UInt8]
    /// Byte offsets where each line begins.
    let lineStarts: [Int]

    init(_ text: String) {
        bytes = Array(text.utf8)
        var starts = [0]
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") { starts.append(index + 1) }
        lineStarts = starts
    }

    /// 1-based line and column (in characters) of a byte offset.
    func location(ofByte offset: Int) -> (line: Int, column: Int) {
        let offset = min(max(0, offset), bytes.count)
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        var column = 1
        var index = lineStarts[low]
        while index < offset {
            if bytes[index] & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        // A continuation byte at `offset` itself is never a token start; count whole characters only.
        return (low + 1, column)
    }

    /// The byte offset of a 1-based character position (the parser's error cursor).
    func byteOffset(ofCharacter position: Int) -> Int {
        var characters = 0
        for (index, byte) in bytes.enumerated() where byte & 0xC0 != 0x80 {
            characters += 1
            if characters == position { return index }
        }
        return bytes.count
    }

    /// The first byte at or after `start` (and before `end`) that is not a blank, a comment or a `;`.
    func firstToken(from start: Int, to end: Int) -> Int {
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == UInt8(ascii: ";") {
                index += 1
            } else if byte == UInt8(ascii: "-"), index + 1 < end, bytes[index + 1] == UInt8(ascii: "-") {
                while index < end, bytes[index] != 0x0A { index += 1 }
            } else if byte == UInt8(ascii: "/"), index + 1 < end, bytes[index + 1] == UInt8(ascii: "*") {
                index = endOfBlockComment(from: index, to: end)
            } else {
                return index
            }
        }
        return min(index, end)
    }

    /// The `--` comments between `start` and `end`: offset of the `--` and the text after it.
    func lineComments(from start: Int, to end: Int) -> [(offset: Int, text: String)] {
        var comments: [(offset: Int, text: String)] = []
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "-"), index + 1 < end, bytes[index + 1] == UInt8(ascii: "-") {
                let begin = index
                while index < end, bytes[index] != 0x0A { index += 1 }
                comments.append((begin, String(decoding: bytes[(begin + 2)..<index], as: UTF8.self)))
            } else if byte == UInt8(ascii: "/"), index + 1 < end, bytes[index + 1] == UInt8(ascii: "*") {
                index = endOfBlockComment(from: index, to: end)
            } else {
                index += 1
            }
        }
        return comments
    }

    /// Past the `*/` that closes the comment opening at `start` (PostgreSQL's block comments nest).
    private func endOfBlockComment(from start: Int, to end: Int) -> Int {
        var depth = 0
        var index = start
        while index + 1 < end {
            if bytes[index] == UInt8(ascii: "/") && bytes[index + 1] == UInt8(ascii: "*") {
                depth += 1
                index += 2
            } else if bytes[index] == UInt8(ascii: "*") && bytes[index + 1] == UInt8(ascii: "/") {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else {
                index += 1
            }
        }
        return end
    }
}

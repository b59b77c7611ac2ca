extension DatabaseURL {
    /// `text` with every password replaced by `***`: the password of a URI's user info (`user:***@host`), and
    /// `password`/`sslpassword` in a URI's query or a keyword string (`password=***`). Works on any text, parsed or
    /// not, so an invalid URL can be named in an error.
    public static func redact(_ text: String) -> String {
        let utf8 = Array(text.utf8)
        var result: [UInt8] = []
        result.reserveCapacity(utf8.count)
        var copied = 0
        for secret in secretSpans(in: utf8) where !secret.raw.isEmpty {
            result.append(contentsOf: utf8[copied..<secret.raw.lowerBound])
            result.append(contentsOf: "***".utf8)
            copied = secret.raw.upperBound
        }
        result.append(contentsOf: utf8[copied...])
        return String(decoding: result, as: UTF8.self)
    }

    /// The passwords in `text`, each as written and as decoded (percent-decoded in a URI, unquoted and unescaped
    /// in a keyword string), without duplicates or empty strings.
    public static func secrets(in text: String) -> [String] {
        let utf8 = Array(text.utf8)
        var secrets: [String] = []
        for span in secretSpans(in: utf8) {
            for secret in [String(decoding: utf8[span.raw], as: UTF8.self), span.decoded]
            where !secret.isEmpty && !secrets.contains(secret) {
                secrets.append(secret)
            }
        }
        return secrets
    }

    private struct SecretSpan {
        /// Where the secret is in the text, as written.
        var raw: Range<Int>
        var decoded: String
    }

    private static let secretKeys: Set<String> = ["password", "sslpassword"]

    /// Sorted by position, not overlapping.
    private static func secretSpans(in text: [UInt8]) -> [SecretSpan] {
        if let separator = firstIndex(of: Array("://".utf8), in: text) {
            return uriSecretSpans(in: text, authorityStart: separator + 3)
        }
        return keywordSecretSpans(in: text)
    }

    /// As libpq reads a URI: the user info ends at the first `@` before any `/`; the query starts at the first `?`.
    private static func uriSecretSpans(in text: [UInt8], authorityStart: Int) -> [SecretSpan] {
        var spans: [SecretSpan] = []
        var index = authorityStart
        while index < text.count, text[index] != UInt8(ascii: "@"), text[index] != UInt8(ascii: "/") {
            index += 1
        }
        if index < text.count, text[index] == UInt8(ascii: "@"),
            let colon = text[authorityStart..<index].firstIndex(of: UInt8(ascii: ":"))
        {
            let raw = (colon + 1)..<index
            spans.append(SecretSpan(raw: raw, decoded: percentDecoded(text[raw])))
        }
        guard let question = text[authorityStart...].firstIndex(of: UInt8(ascii: "?")) else { return spans }
        var start = question + 1
        while start < text.count {
            let end = text[start...].firstIndex(of: UInt8(ascii: "&")) ?? text.count
            if let equals = text[start..<end].firstIndex(of: UInt8(ascii: "=")),
                secretKeys.contains(percentDecoded(text[start..<equals]))
            {
                let raw = (equals + 1)..<end
                spans.append(SecretSpan(raw: raw, decoded: percentDecoded(text[raw])))
            }
            start = end + 1
        }
        return spans
    }

    /// As libpq reads `key = value` pairs: a value is single-quoted or runs to whitespace; `\` escapes a byte.
    private static func keywordSecretSpans(in text: [UInt8]) -> [SecretSpan] {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var spans: [SecretSpan] = []
        var index = 0
        while index < text.count {
            while index < text.count, isSpace(text[index]) { index += 1 }
            let keyStart = index
            while index < text.count, !isSpace(text[index]), text[index] != UInt8(ascii: "=") { index += 1 }
            let key = String(decoding: text[keyStart..<index], as: UTF8.self)
            while index < text.count, isSpace(text[index]) { index += 1 }
            guard index < text.count, text[index] == UInt8(ascii: "=") else {
                // Not `key=value`: libpq will refuse it; skip the word so the scan moves on.
                index = max(index, keyStart + 1)
                continue
            }
            index += 1
            while index < text.count, isSpace(text[index]) { index += 1 }
            let quoted = index < text.count && text[index] == UInt8(ascii: "'")
            if quoted { index += 1 }
            let valueStart = index
            var decoded: [UInt8] = []
            while index < text.count {
                let byte = text[index]
                if quoted ? byte == UInt8(ascii: "'") : isSpace(byte) { break }
                if byte == UInt8(ascii: "\\"), index + 1 < text.count {
                    decoded.append(text[index + 1])
                    index += 2
                } else {
                    decoded.append(byte)
                    index += 1
                }
            }
            let valueEnd = min(index, text.count)
            if quoted, index < text.count { index += 1 }
            if secretKeys.contains(key) {
                spans.append(SecretSpan(raw: valueStart..<valueEnd, decoded: String(decoding: decoded, as: UTF8.self)))
            }
        }
        return spans
    }

    private static func percentDecoded(_ bytes: ArraySlice<UInt8>) -> String {
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var decoded: [UInt8] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.endIndex,
                let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2])
            {
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }

    private static func firstIndex(of needle: [UInt8], in text: [UInt8]) -> Int? {
        guard needle.count <= text.count else { return nil }
        for start in 0...(text.count - needle.count) where text[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

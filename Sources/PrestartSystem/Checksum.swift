import CLibCrypto

/// Digests of a unit's bytes, as lowercase hex: SHA-256 is what the ledger records.
///
/// OpenSSL's libcrypto computes them: libpq loads it anyway, and swift-crypto, used before for this one call,
/// brought Foundation into the binary (11 MB, and start-up time).
public enum Checksum {
    public static func sha256(_ bytes: [UInt8]) -> String {
        digest(bytes, sha256Algorithm)
    }

    public static func sha256(_ text: String) -> String {
        sha256(Array(text.utf8))
    }

    public static func sha384(_ bytes: [UInt8]) -> String {
        digest(bytes, sha384Algorithm)
    }

    /// Fetched once: `EVP_sha256()` makes OpenSSL 3 look the algorithm up in its providers on every digest (locks
    /// included), which cost more than hashing a small migration file. A fetched algorithm is immutable and may be
    /// shared by threads (OpenSSL's "Fetching algorithms" guide), hence `nonisolated(unsafe)` on a pointer that is
    /// only ever read.
    nonisolated(unsafe) private static let sha256Algorithm = EVP_MD_fetch(nil, "SHA2-256", nil)
    nonisolated(unsafe) private static let sha384Algorithm = EVP_MD_fetch(nil, "SHA2-384", nil)

    private static func digest(_ bytes: [UInt8], _ algorithm: OpaquePointer?) -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &digest, &length, algorithm, nil)
        }
        // EVP_Digest fails only without memory or with an unknown algorithm (a libcrypto without SHA-2, which
        // libpq could not work with either): neither is an input's fault.
        precondition(ok == 1, "EVP_Digest failed")
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(Int(length) * 2)
        for byte in digest.prefix(Int(length)) {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: hex, as: UTF8.self)
    }
}

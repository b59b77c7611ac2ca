import CLibCrypto
import Glibc

/// Digests of a unit's bytes, as lowercase hex: SHA-256 is what the ledger records.
///
/// OpenSSL's libcrypto computes them (swift-crypto, used before for this one call, brought Foundation into the
/// binary: 11 MB, and start-up time). It is opened with `dlopen` on the first digest, not linked: linked, its
/// 17,000 relocations cost every start ~0.8 ms and ~450 kB that stay resident in the PID-1 supervisor, which never
/// hashes anything.
public enum Checksum {
    public static func sha256(_ bytes: [UInt8]) -> String {
        digest(bytes, library.sha256)
    }

    public static func sha256(_ text: String) -> String {
        sha256(Array(text.utf8))
    }

    public static func sha384(_ bytes: [UInt8]) -> String {
        digest(bytes, library.sha384)
    }

    /// The two algorithms, fetched once: `EVP_sha256()` makes OpenSSL 3 look the algorithm up in its providers on
    /// every digest (locks included), which cost more than hashing a small migration file. A fetched algorithm is
    /// immutable and may be shared by threads (OpenSSL's "Fetching algorithms" guide), hence `@unchecked`.
    private struct Library: @unchecked Sendable {
        typealias Digest =
            @convention(c) (
                UnsafeRawPointer?, Int, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<UInt32>?, OpaquePointer?,
                OpaquePointer?
            ) -> Int32
        let digest: Digest
        let sha256: OpaquePointer
        let sha384: OpaquePointer
    }

    /// Opened on the first digest (a global's initializer runs once, thread-safely), and never closed. libpq
    /// links the same `libcrypto.so.3`, so a PostgreSQL run loads it once either way.
    private static let library: Library = {
        // Every Debian system with libpq5 or ca-certificates has it; without it prestart could not checksum a
        // single file, and no step can run unverified.
        let libcrypto: SharedLibrary
        switch SharedLibrary.open(["libcrypto.so.3"]) {
        case .success(let opened): libcrypto = opened
        case .failure(let failure):
            fatalError("prestart needs OpenSSL's libcrypto.so.3 (Debian: libssl3) to checksum SQL files: \(failure.reason)")
        }
        typealias Fetch = @convention(c) (OpaquePointer?, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> OpaquePointer?
        guard let fetch = libcrypto.symbol("EVP_MD_fetch", as: Fetch.self),
            let digest = libcrypto.symbol("EVP_Digest", as: Library.Digest.self)
        else {
            fatalError("the libcrypto.so.3 here lacks EVP_MD_fetch or EVP_Digest (OpenSSL 3 has both)")
        }
        guard let sha256 = fetch(nil, "SHA2-256", nil), let sha384 = fetch(nil, "SHA2-384", nil) else {
            fatalError("OpenSSL's libcrypto.so.3 has no SHA-256 or SHA-384 (its default provider is not loaded)")
        }
        return Library(digest: digest, sha256: sha256, sha384: sha384)
    }()

    /// The digest into a stack buffer and the hex straight into the String's storage: with the arrays this used
    /// before (one for the digest, one for the hex digits, one grown for the hex), the wrapping cost 3,250
    /// instructions a file, more than half of what OpenSSL spends hashing a small migration.
    private static func digest(_ bytes: [UInt8], _ algorithm: OpaquePointer) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { digest in
            var length: UInt32 = 0
            let ok = bytes.withUnsafeBytes { input in
                library.digest(input.baseAddress, input.count, digest.baseAddress, &length, algorithm, nil)
            }
            // EVP_Digest fails only without memory or with an unknown algorithm (the fetch above would have
            // failed): neither is an input's fault.
            precondition(ok == 1, "EVP_Digest failed")
            let count = Int(length)
            return String(unsafeUninitializedCapacity: count * 2) { hex in
                for index in 0..<count {
                    hex[2 * index] = hexDigit(digest[index] >> 4)
                    hex[2 * index + 1] = hexDigit(digest[index] & 0x0F)
                }
                return count * 2
            }
        }
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}

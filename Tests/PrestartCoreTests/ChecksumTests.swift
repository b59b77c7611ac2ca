import PrestartSystem
import Testing

/// The digests come from libcrypto opened at run time: these are FIPS 180-2's examples, so a wrong symbol or
/// signature shows here rather than as every ledger row mismatching.
struct ChecksumTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ])
    func sha256MatchesTheStandardsExamples(text: String, digest: String) {
        #expect(Checksum.sha256(text) == digest)
        #expect(Checksum.sha256(Array(text.utf8)) == digest)
    }

    @Test func sha384MatchesTheStandardsExample() {
        #expect(
            Checksum.sha384(Array("abc".utf8))
                == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
    }
}

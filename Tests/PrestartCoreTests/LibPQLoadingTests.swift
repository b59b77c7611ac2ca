import Testing

@testable import PrestartDatabase

/// libpq is opened on first use, not linked: without it (or with the wrong library) PostgreSQL use is a clear,
/// non-transient error, never a crash at start-up or a wait step retrying until its timeout.
struct LibPQLoadingTests {
    @Test func aMissingLibraryNamesThePackageToInstall() {
        let result = LibPQ.open("libpq-prestart-test-missing.so.5")
        guard case .failure(let unavailable) = result else {
            Issue.record("a library that does not exist was opened")
            return
        }
        #expect(unavailable.message.hasPrefix("PostgreSQL support needs libpq (Debian: libpq5)"))
        #expect(unavailable.message.contains("libpq-prestart-test-missing.so.5"))
        #expect(unavailable.databaseError.kind == .client)
        #expect(!unavailable.databaseError.isTransient)
    }

    /// A library that opens but is not libpq 14+ (here SQLite, which prestart links anyway) names what it lacks.
    @Test func aLibraryWithoutLibPQsFunctionsIsRefused() {
        guard case .failure(let unavailable) = LibPQ.open("libsqlite3.so.0") else {
            Issue.record("SQLite was taken for libpq")
            return
        }
        #expect(unavailable.message.contains("needs libpq 14 or later"))
        #expect(unavailable.message.contains("lacks PQconnectStartParams"))
    }

    /// Every name in `LibPQ` is spelled as libpq exports it.
    @Test func theInstalledLibraryHasEveryFunction() {
        guard case .success = LibPQ.open(LibPQ.soname) else {
            Issue.record("libpq.so.5 could not be opened: \(LibPQ.open(LibPQ.soname))")
            return
        }
    }
}

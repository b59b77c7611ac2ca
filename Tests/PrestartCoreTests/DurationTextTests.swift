import Testing

@testable import PrestartCore
@testable import PrestartDatabase
@testable import PrestartSystem

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("30s", .seconds(30)),
        ("5m", .seconds(300)),
        ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)),
        ("1.5s", .milliseconds(1500)),
        (" 2s ", .seconds(2)),
    ])
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "5", "5x", "ms", "s5", "-1s", "1..2s", "nan s"])
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func backoffDoublesUpToItsCap() throws {
        let backoff = try #require(Backoff.parse("50ms..1s"))
        let delays = (1...7).map { backoff.delay(afterAttempt: $0).milliseconds }
        #expect(delays == [50, 100, 200, 400, 800, 1000, 1000])
        #expect(Backoff.parse("2s") == Backoff(initial: .seconds(2), maximum: .seconds(2)))
        #expect(Backoff.parse("1s..50ms") == nil)
        #expect(Backoff.parse("0ms..1s") == nil)
    }
}

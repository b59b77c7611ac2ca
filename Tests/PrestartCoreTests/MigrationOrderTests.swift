import Testing

@testable import PrestartCore

@Suite struct MigrationOrderTests {
    /// Numbers compare as numbers whatever their width, then the rest of the name (`002-a` before `2-x`); files
    /// without one come last; names that tie (`01-x`, `1-x`) still get one order, whatever the folder's order.
    @Test func versionOrder() {
        let expected = [
            "0-z.sql", "00-z.sql", "01-x.sql", "1-x.sql", "002-a.sql", "2-x.sql", "10-y.sql",
            "99999999999999999999-huge.sh", "100000000000000000000-huger.sh", "a.sql", "b.sql", "é.sql",
        ]
        for shuffled in [expected.reversed(), expected.shuffled(), expected.shuffled()] {
            #expect(MigrationOrder.sorted(Array(shuffled)) == expected)
        }
        #expect(MigrationOrder.sorted(["10-a", "9-a"]) == ["9-a", "10-a"])
        #expect(MigrationOrder.sorted(["b-é.sql", "a-é.sql", "1-é", "1-e"]) == ["1-e", "1-é", "a-é.sql", "b-é.sql"])
    }
}

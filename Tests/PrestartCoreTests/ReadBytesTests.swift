import Glibc
import PrestartSystem
import Testing

/// `FileSystem.readBytes` stops at the first short read of a regular file once it has its size; files that
/// report no size must still be read to the end.
struct ReadBytesTests {
    /// /proc's files say they are empty and come a page per read: the supervisor's IdleMemory reads
    /// /proc/self/smaps, which is many pages long.
    @Test func aProcFileLongerThanAReadIsReadToItsEnd() throws {
        let maps = try FileSystem.readText(atPath: "/proc/self/maps")
        #expect(maps.utf8.count > 4096)
        #expect(maps.contains("[stack]"))
        #expect(maps.hasSuffix("\n"))
    }

    @Test(arguments: [0, 1, 4095, 4096, 4097, 100_000])
    func aRegularFileIsReadWhole(size: Int) throws {
        let path = "/tmp/prestart-readbytes-\(size)-\(UInt32.random(in: 0...UInt32.max))"
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try FileSystem.writeAtomically(bytes, toPath: path)
        defer { unlink(path) }
        #expect(try FileSystem.readBytes(atPath: path) == bytes)
    }
}

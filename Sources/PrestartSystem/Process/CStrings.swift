import Glibc

/// NULL-terminated `char *` arrays for `execve` and `posix_spawn`.
enum CStrings {
    static func withArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        withArray(strings.map { Array($0.utf8) }, body)
    }

    static func withArray<R>(_ strings: [[UInt8]], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let pointers =
            strings.map { bytes in
                (bytes + [0]).withUnsafeBufferPointer {
                    $0.withMemoryRebound(to: CChar.self) { strdup($0.baseAddress!) }
                }
            } + [nil]
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers)
    }
}

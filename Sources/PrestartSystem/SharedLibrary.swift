import Glibc

/// A C library opened with `dlopen` the first time it is needed instead of linked: a linked library is loaded and
/// relocated on every start, the PID-1 supervisor's and `--version`'s included, whether the run calls it or not.
///
/// - Important: `RTLD_LAZY | RTLD_LOCAL`: functions are bound when first called (binding all of libpq's at open
///   cost a PostgreSQL run 3.4 M instructions), and the library's symbols never resolve another library's
///   references. A library is never closed: it may have run constructors that expect it to stay loaded.
public struct SharedLibrary: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer

    /// The dynamic loader's reason a library could not be opened (`libpq.so.5: cannot open shared object file: …`).
    public struct OpenFailure: Error, Sendable {
        public var reason: String
    }

    /// Opens the first of `names` the loader finds.
    public static func open(_ names: [String]) -> Result<SharedLibrary, OpenFailure> {
        var reason = "\(names.joined(separator: ", ")) not found"
        for name in names {
            if let handle = dlopen(name, RTLD_LAZY | RTLD_LOCAL) { return .success(SharedLibrary(handle: handle)) }
            if let error = dlerror() { reason = String(cString: error) }
        }
        return .failure(OpenFailure(reason: reason))
    }

    /// The function or object named `name`, as `T` (a `@convention(c)` function type); nil when the library has none.
    public func symbol<T>(_ name: String, as type: T.Type = T.self) -> T? {
        dlsym(handle, name).map { unsafeBitCast($0, to: type) }
    }
}

import Glibc

/// Path arithmetic on plain strings.
public enum Path {
    public static func isAbsolute(_ path: String) -> Bool { path.hasPrefix("/") }

    /// `path` if absolute, otherwise `path` inside `directory`; `.` and `..` components are folded.
    public static func resolve(_ path: String, against directory: String) -> String {
        normalize(isAbsolute(path) ? path : directory + "/" + path)
    }

    public static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return (isAbsolute(path) ? "/" : "") + parts.joined(separator: "/")
    }

    /// `path` relative to `directory` when it lies inside it, for shorter messages; otherwise `path`.
    public static func relative(_ path: String, to directory: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

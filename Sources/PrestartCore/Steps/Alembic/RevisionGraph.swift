import PrestartDatabase
import PrestartSystem

/// Alembic's revision map, as far as `upgrade head` needs it: every id once, every `down_revision` a known id,
/// every `depends_on` a known id or branch label, no cycle. Its heads are the revisions no `down_revision` names
/// (as `ScriptDirectory.get_heads()`: a dependency does not end a branch); `upgrade head` needs exactly one,
/// `upgrade heads` takes them all. Every revision is an ancestor of a head, so a database whose version table
/// holds exactly the rows Alembic leaves at the heads has nothing left to apply.
public enum RevisionGraph {
    /// The one head `upgrade head` needs; several are ``AlembicUnsure`` (Alembic refuses them).
    public static func head(of revisions: [RevisionFile], locations: [String]) throws(AlembicUnsure) -> RevisionFile {
        let heads = try Self.heads(of: revisions, locations: locations)
        guard heads.count == 1 else {
            let list = heads.map { "\($0.revision) (\(Path.lastComponent($0.path)))" }.joined(separator: ", ")
            throw AlembicUnsure("\(heads.count) heads: \(list); `alembic upgrade head` refuses several heads")
        }
        return heads[0]
    }

    /// Every head, in file order.
    public static func heads(
        of revisions: [RevisionFile], locations: [String]
    ) throws(AlembicUnsure) -> [RevisionFile] {
        guard !revisions.isEmpty else {
            throw AlembicUnsure("no revision files in \(locations.joined(separator: ", "))")
        }
        var byID: [String: RevisionFile] = [:]
        for revision in revisions {
            if let other = byID[revision.revision] {
                throw AlembicUnsure(
                    "revision \(revision.revision) is also in \(other.path)", file: revision.path)
            }
            byID[revision.revision] = revision
        }
        var labels: [String: String] = [:]
        for revision in revisions {
            for label in revision.branchLabels {
                if byID[label] != nil || labels[label] != nil {
                    throw AlembicUnsure("branch label \(label) is already used", file: revision.path)
                }
                labels[label] = revision.revision
            }
        }
        for revision in revisions {
            for down in revision.downRevisions where byID[down] == nil {
                throw AlembicUnsure("down_revision names \(down), which no revision file has", file: revision.path)
            }
            for dependency in revision.dependsOn where byID[dependency] == nil && labels[dependency] == nil {
                throw AlembicUnsure("depends_on names \(dependency), which no revision file has", file: revision.path)
            }
        }
        if let cycle = cycle(byID, labels: labels) {
            throw AlembicUnsure("the revisions form a cycle through \(cycle)", file: byID[cycle]?.path)
        }
        let named = Set(revisions.flatMap(\.downRevisions))
        return revisions.filter { !named.contains($0.revision) }
    }

    /// The rows Alembic's version table holds once every head is applied: the heads, less each head another head
    /// reaches through `down_revision` and `depends_on` (applying `c` that depends on head `e` deletes `e`'s row,
    /// and a table holding both makes `upgrade heads` fail: "c overlaps with other requested revisions e").
    /// `revisions` must have passed ``heads(of:locations:)``.
    public static func rows(at heads: [RevisionFile], of revisions: [RevisionFile]) -> [String] {
        var byID: [String: RevisionFile] = [:]
        var labels: [String: String] = [:]
        for revision in revisions {
            byID[revision.revision] = revision
            for label in revision.branchLabels { labels[label] = revision.revision }
        }
        var reached = Set<String>()
        for head in heads {
            var stack = head.downRevisions + head.dependsOn.map { labels[$0] ?? $0 }
            while let id = stack.popLast() {
                guard reached.insert(id).inserted, let revision = byID[id] else { continue }
                stack += revision.downRevisions + revision.dependsOn.map { labels[$0] ?? $0 }
            }
        }
        return heads.map(\.revision).filter { !reached.contains($0) }.sorted()
    }

    /// A revision on a cycle of `down_revision` and `depends_on` edges, if there is one.
    private static func cycle(_ byID: [String: RevisionFile], labels: [String: String]) -> String? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        for start in byID.keys.sorted() where marks[start] == nil {
            // Iterative depth-first search: a long history must not overflow the stack.
            var stack: [(id: String, next: [String])] = []
            func edges(_ id: String) -> [String] {
                let revision = byID[id]!
                return revision.downRevisions + revision.dependsOn.map { labels[$0] ?? $0 }
            }
            marks[start] = .visiting
            stack.append((start, edges(start)))
            while !stack.isEmpty {
                guard let next = stack[stack.count - 1].next.popLast() else {
                    marks[stack.removeLast().id] = .done
                    continue
                }
                switch marks[next] {
                case .visiting: return next
                case .done: continue
                case nil:
                    marks[next] = .visiting
                    stack.append((next, edges(next)))
                }
            }
        }
        return nil
    }
}

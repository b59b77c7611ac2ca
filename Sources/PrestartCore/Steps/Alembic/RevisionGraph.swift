import PrestartDatabase
import PrestartSystem

/// Alembic's revision map, as far as `upgrade head` needs it: every id once, every `down_revision` a known id,
/// every `depends_on` a known id or branch label, no cycle, and exactly one head — a revision that no
/// `down_revision` names. Then every revision is an ancestor of that head, and a database whose
/// `alembic_version` holds just the head has nothing left to apply.
public enum RevisionGraph {
    public static func head(of revisions: [RevisionFile], locations: [String]) throws(AlembicUnsure) -> RevisionFile {
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
        let heads = revisions.filter { !named.contains($0.revision) }
        guard heads.count == 1 else {
            let list = heads.map { "\($0.revision) (\(Path.lastComponent($0.path)))" }.joined(separator: ", ")
            throw AlembicUnsure("\(heads.count) heads: \(list); `alembic upgrade head` refuses several heads")
        }
        return heads[0]
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

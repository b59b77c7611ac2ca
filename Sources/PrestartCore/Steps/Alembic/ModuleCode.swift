/// Which tokens of a Python module may run while the module is imported — the only time Alembic's names in a
/// revision file can be bound, since Alembic reads them right after loading the file and calls `upgrade()` and
/// `downgrade()` only later.
///
/// Everything runs at import except the bodies of `def`s: the module's top level, the blocks of `if`, `for`,
/// `while`, `try`, `with` and `match`, class bodies (a `class` statement runs its body), and a `def`'s own line
/// (its decorators, default values and annotations are evaluated where it stands). A `def` body runs too as soon
/// as the function may be called while the module loads, and prestart counts it so whenever:
/// - its name appears in code that runs (a call, a reference handed to something that may call it, `A.m`);
/// - it is decorated (the decorator receives the function and may call it);
/// - it is a method of a class that is decorated, has bases or keywords (a metaclass or `__init_subclass__`
///   receives the class), or whose name appears in code that runs (instances call `__init__`, operators, …).
/// Repeated until nothing changes: a called function's body is code that runs and may call others.
struct ModuleCode {
    /// One per token: true when the token may run at import.
    let runs: [Bool]
    /// The logical lines, as token ranges; each ends before its newline token.
    let lines: [Range<Int>]

    private struct Function {
        var name: String
        var decorated: Bool
        /// The function whose body holds the `def` line; nil at the module's level or in a class there.
        var owner: Int?
        /// The classes between the `def` and its owner.
        var classes: [Int]
    }

    private struct Class {
        var name: String
        /// Decorated, or with bases or keywords: code prestart does not see receives the class.
        var exposed: Bool
    }

    private enum Block {
        case function(Int), type(Int), other
    }

    init(_ tokens: [PythonTokenizer.Token]) {
        var lines: [Range<Int>] = []
        var start = 0
        while start < tokens.count {
            var end = start
            while tokens[end].kind != .newline { end += 1 }
            if end > start { lines.append(start..<end) }
            start = end + 1
        }
        self.lines = lines

        var owners = [Int?](repeating: nil, count: tokens.count)
        var functions: [Function] = []
        var classes: [Class] = []
        var stack: [(indent: Int, block: Block)] = []
        var decorated = false
        /// The names a `def` or `class` binds: not references to them.
        var definitions = Set<Int>()
        for line in lines {
            let indent = tokens[line.lowerBound].indent
            while let top = stack.last, top.indent >= indent { stack.removeLast() }
            var owner: Int?
            var enclosing: [Int] = []
            for entry in stack.reversed() {
                if case .function(let id) = entry.block {
                    owner = id
                    break
                }
                if case .type(let id) = entry.block { enclosing.append(id) }
            }
            for index in line { owners[index] = owner }

            let structural = line.filter { !tokens[$0].embedded }
            var first = structural.startIndex
            if tokens[structural[first]].text == "@", tokens[structural[first]].kind == .op {
                decorated = true
                continue
            }
            if tokens[structural[first]].text == "async", structural.count > 1 { first += 1 }
            let keyword = tokens[structural[first]]
            let opensBlock = tokens[structural[structural.count - 1]].text == ":"
                && tokens[structural[structural.count - 1]].kind == .op
            if keyword.kind == .name, keyword.text == "def", first + 1 < structural.count {
                let id = functions.count
                definitions.insert(structural[first + 1])
                functions.append(
                    Function(
                        name: tokens[structural[first + 1]].text, decorated: decorated, owner: owner,
                        classes: enclosing))
                // The body starts after the first `:` outside brackets; on the `def` line itself when it is a
                // one-line function.
                var depth = 0
                var colon: Int?
                for index in structural[(first + 1)...] where tokens[index].kind == .op {
                    switch tokens[index].text {
                    case "(", "[", "{": depth += 1
                    case ")", "]", "}": depth -= 1
                    case ":" where depth == 0: colon = index
                    default: break
                    }
                    if colon != nil { break }
                }
                if let colon {
                    for index in (colon + 1)..<line.upperBound { owners[index] = id }
                }
                if opensBlock { stack.append((indent, .function(id))) }
            } else if keyword.kind == .name, keyword.text == "class", first + 1 < structural.count {
                let id = classes.count
                definitions.insert(structural[first + 1])
                let hasArguments =
                    first + 2 < structural.count && tokens[structural[first + 2]].text == "("
                    && tokens[structural[first + 3]].text != ")"
                classes.append(Class(name: tokens[structural[first + 1]].text, exposed: decorated || hasArguments))
                if opensBlock { stack.append((indent, .type(id))) }
            } else if opensBlock {
                stack.append((indent, .other))
            }
            decorated = false
        }

        var called = Set<Int>()
        func running(_ owner: Int?) -> Bool { owner.map(called.contains) ?? true }
        while true {
            var referenced = Set<String>()
            for (index, token) in tokens.enumerated()
            where token.kind == .name && running(owners[index]) && !definitions.contains(index) {
                referenced.insert(token.text)
            }
            var changed = false
            for (id, function) in functions.enumerated() where !called.contains(id) && running(function.owner) {
                let throughClass = function.classes.contains {
                    classes[$0].exposed || referenced.contains(classes[$0].name)
                }
                if function.decorated || referenced.contains(function.name) || throughClass {
                    called.insert(id)
                    changed = true
                }
            }
            if !changed { break }
        }
        runs = owners.map { running($0) }
    }
}

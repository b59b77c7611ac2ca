import Testing

@testable import PrestartCore
@testable import PrestartDatabase
@testable import PrestartSystem

/// Reading revision files without Python: every spelling Alembic's templates have produced, and every form
/// prestart must not guess at (then Alembic runs, and the reason names the line).
@Suite struct RevisionFileTests {
    struct Spelling: CustomTestStringConvertible, Sendable {
        var name: String
        var source: String
        var revision: String
        var down: [String]
        var labels: [String] = []
        var depends: [String] = []
        var testDescription: String { name }
    }

    static let header = "\"\"\"add users\n\nRevision ID: 1a2b\nRevises: 0f0f\nCreate Date: 2024-01-01\n\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n"

    static let spellings: [Spelling] = [
        Spelling(
            name: "the old generic template, single quotes",
            source: "# revision identifiers, used by Alembic.\nrevision = '1a2b'\ndown_revision = '0f0f'\nbranch_labels = None\ndepends_on = None\n",
            revision: "1a2b", down: ["0f0f"]),
        Spelling(
            name: "the FastAPI template, double quotes, base revision",
            source: "revision = \"e2412789c190\"\ndown_revision = None\nbranch_labels = None\ndepends_on = None\n",
            revision: "e2412789c190", down: []),
        Spelling(
            name: "typed template (Alembic 1.13+)",
            source: """
                revision: str = '1a2b'
                down_revision: Union[str, None] = '0f0f'
                branch_labels: Union[str, Sequence[str], None] = None
                depends_on: Union[str, Sequence[str], None] = None

                """,
            revision: "1a2b", down: ["0f0f"]),
        Spelling(
            name: "typed merge revision over several lines with a trailing comma and comments",
            source: """
                revision: str = "m3r63"
                down_revision: Union[str, Sequence[str], None] = (
                    "aaa1",  # the users branch
                    # and the billing one
                    "bbb2",
                )
                branch_labels: Union[str, Sequence[str], None] = None
                depends_on: Union[str, Sequence[str], None] = None

                """,
            revision: "m3r63", down: ["aaa1", "bbb2"]),
        Spelling(
            name: "merge as a one-line tuple, labels and a dependency list",
            source: "revision = 'c3'\ndown_revision = ('a1', 'b2')\nbranch_labels = ('billing',)\ndepends_on = ['d4']\n",
            revision: "c3", down: ["a1", "b2"], labels: ["billing"], depends: ["d4"]),
        Spelling(
            name: "a bare tuple and a single label string",
            source: "revision = 'c3'\ndown_revision = 'a1', 'b2'\nbranch_labels = 'billing'\n",
            revision: "c3", down: ["a1", "b2"], labels: ["billing"]),
        Spelling(
            name: "parenthesized string is a string, empty tuple is no parent",
            source: "revision = ('c3')\ndown_revision = ()\n",
            revision: "c3", down: []),
        Spelling(
            name: "triple-quoted strings and a raw string",
            source: "revision = '''c3'''\ndown_revision = r\"a1\"\n",
            revision: "c3", down: ["a1"]),
        Spelling(
            name: "u prefix, escapes, backslash join",
            source: "revision = u'c\\x33'\ndown_revision = \\\n    'a1'\n",
            revision: "c3", down: ["a1"]),
        Spelling(
            name: "docstrings and comments that look like assignments",
            source: header
                + "\"\"\"\nrevision = 'fake'\n\"\"\"\n# down_revision = 'fake'\nrevision = '1a2b'\ndown_revision = '0f0f'\n\n"
                + "def upgrade():\n    op.execute(\"UPDATE t SET revision = 'x'\")\n    x = f\"{op.name}: {sa.Text!r:>10}\"\n",
            revision: "1a2b", down: ["0f0f"]),
        Spelling(
            name: "an f-string with nested same quotes (Python 3.12)",
            source: "revision = 'c3'\ndown_revision = None\n\ndef upgrade():\n    op.execute(f\"SELECT {\"a\" + 'b'} {{x}}\")\n",
            revision: "c3", down: []),
        Spelling(
            name: "CRLF line endings, tabs and a BOM",
            source: "\u{FEFF}revision = 'c3'\r\ndown_revision = None\r\n\r\ndef upgrade():\r\n\tpass\r\n",
            revision: "c3", down: []),
        Spelling(
            name: "attribute names and keyword arguments elsewhere are not the module's",
            source: "revision = 'c3'\ndown_revision = 'b2'\n\ndef upgrade():\n    op.bulk_insert(t, [])\n    context.revision\n",
            revision: "c3", down: ["b2"]),
        Spelling(
            name: "utf-8 coding cookie and non-ASCII text",
            source: "# -*- coding: utf-8 -*-\n\"\"\"Añadir índice\"\"\"\nrevision = 'c3'\ndown_revision = None\n",
            revision: "c3", down: []),
    ]

    @Test(arguments: spellings)
    func readsEverySpelling(_ spelling: Spelling) throws {
        let file = try RevisionFile.parse(Array(spelling.source.utf8), path: "/v/x.py")
        #expect(file.revision == spelling.revision)
        #expect(file.downRevisions == spelling.down)
        #expect(file.branchLabels == spelling.labels)
        #expect(file.dependsOn == spelling.depends)
    }

    struct Unsure: CustomTestStringConvertible, Sendable {
        var name: String
        var source: String
        var reason: String
        var line: Int?
        var testDescription: String { name }
    }

    static let base = "revision = 'c3'\ndown_revision = 'b2'\n"

    static let unsure: [Unsure] = [
        Unsure(name: "a name", source: "revision = 'c3'\ndown_revision = PREVIOUS\n", reason: "down_revision is not a literal (a name)", line: 2),
        Unsure(name: "a call", source: "revision = make_id()\ndown_revision = None\n", reason: "revision is not a literal (a call)", line: 1),
        Unsure(name: "an f-string", source: "revision = f'c{3}'\ndown_revision = None\n", reason: "revision is not a literal (an f-string)", line: 1),
        Unsure(name: "concatenation", source: "revision = 'c' + '3'\ndown_revision = None\n", reason: "revision is not a literal (a concatenation)", line: 1),
        Unsure(name: "implicit concatenation", source: "revision = 'c' '3'\ndown_revision = None\n", reason: "revision is not a literal (an implicit concatenation)", line: 1),
        Unsure(name: "formatting", source: "revision = '%s' % x\ndown_revision = None\n", reason: "revision is not a literal (a formatting)", line: 1),
        Unsure(name: "bytes", source: "revision = b'c3'\ndown_revision = None\n", reason: "revision is not a literal (a bytes literal)", line: 1),
        Unsure(name: "a number", source: "revision = 3\ndown_revision = None\n", reason: "revision is not a literal (a number)", line: 1),
        Unsure(name: "a nested tuple", source: "revision = 'c3'\ndown_revision = (('a', 'b'),)\n", reason: "down_revision is not a literal (a nested sequence)", line: 2),
        Unsure(name: "assigned twice", source: base + "revision = 'c4'\n", reason: "revision is assigned twice (lines 1 and 3)", line: 3),
        Unsure(name: "assigned in a block", source: base + "if True:\n    down_revision = 'x'\n", reason: "down_revision is used in a form prestart does not read", line: 4),
        Unsure(name: "augmented assignment", source: base + "down_revision += ('x',)\n", reason: "down_revision is assigned twice", line: 3),
        Unsure(name: "a tuple target", source: "revision, down_revision = 'c3', 'b2'\n", reason: "revision is not assigned with a plain `=`", line: 1),
        Unsure(name: "chained assignment", source: "revision = down_revision = 'c3'\n", reason: "revision is not a literal (a name)", line: 1),
        Unsure(name: "an annotation without a value", source: "revision: str\ndown_revision = None\n", reason: "revision is annotated but not assigned", line: 1),
        Unsure(name: "a global in a function", source: base + "def f():\n    global revision\n", reason: "revision is used in a form prestart does not read", line: 4),
        Unsure(name: "an import binding the name", source: base + "from x import down_revision\n", reason: "down_revision is used in a form prestart does not read", line: 3),
        Unsure(name: "import *", source: base + "from app.ids import *\n", reason: "`import *` can bind any name", line: 3),
        Unsure(name: "exec", source: base + "exec('revision = 1')\n", reason: "uses exec", line: 3),
        Unsure(name: "globals()", source: base + "globals()['revision'] = 'x'\n", reason: "uses globals", line: 3),
        Unsure(name: "sys.modules", source: base + "setattr(sys.modules[__name__], 'revision', 'x')\n", reason: "uses setattr", line: 3),
        Unsure(name: "walrus in an f-string", source: base + "x = f\"{(revision := 'x')}\"\n", reason: "revision is used in a form prestart does not read", line: 3),
        Unsure(name: "no revision", source: "down_revision = None\n", reason: "has no `revision = \"…\"` line", line: nil),
        Unsure(name: "no down_revision", source: "revision = 'c3'\n", reason: "has no `down_revision = …` line", line: nil),
        Unsure(name: "an illegal id", source: "revision = 'c-3'\ndown_revision = None\n", reason: "revision \"c-3\" is not an id Alembic accepts", line: 1),
        Unsure(name: "an empty down_revision", source: "revision = 'c3'\ndown_revision = ''\n", reason: "down_revision names an empty string", line: 2),
        Unsure(name: "its own parent", source: "revision = 'c3'\ndown_revision = 'c3'\n", reason: "names itself", line: 2),
        Unsure(name: "\\N escape", source: "revision = 'c\\N{DIGIT THREE}'\ndown_revision = None\n", reason: "an escape prestart does not decode", line: 1),
        Unsure(name: "an unterminated string", source: "revision = 'c3\ndown_revision = None\n", reason: "does not tokenize as Python: a string is never closed", line: 1),
        Unsure(name: "an unterminated triple-quoted string", source: "\"\"\"doc\nrevision = 'c3'\n", reason: "a string is never closed", line: 1),
        Unsure(name: "an unclosed bracket", source: "revision = 'c3'\ndown_revision = ('a',\n", reason: "a bracket is never closed", line: nil),
        Unsure(name: "a bad dedent", source: base + "def f():\n        x = 1\n    y = 2\n", reason: "unindent does not match any outer level", line: 5),
        Unsure(name: "a stray character", source: base + "x = $y\n", reason: "unexpected '$'", line: 3),
        Unsure(name: "a NUL byte", source: base + "x = 1\u{0}\n", reason: "a control character", line: 3),
        Unsure(name: "a latin-1 cookie with non-ASCII bytes", source: "# coding: latin-1\n# é\n" + base, reason: "declares the source encoding latin-1", line: nil),
        Unsure(name: "a shift_jis cookie", source: "# -*- coding: shift_jis -*-\n" + base, reason: "declares the source encoding shift_jis", line: nil),
    ]

    @Test(arguments: unsure)
    func runsAlembicWhenUnsure(_ example: Unsure) {
        #expect {
            try RevisionFile.parse(Array(example.source.utf8), path: "/v/x.py")
        } throws: { error in
            guard let unsure = error as? AlembicUnsure else { return false }
            #expect(unsure.file == "/v/x.py")
            #expect(unsure.reason.contains(example.reason), "\(unsure.reason)")
            if let line = example.line { #expect(unsure.line == line, "\(unsure)") }
            return true
        }
    }

    /// Code Alembic never runs while it reads the names: the bodies of functions nothing calls at import.
    struct Deferred: CustomTestStringConvertible, Sendable {
        var name: String
        /// Follows `revision = 'b2'` and `down_revision = 'a1'`.
        var code: String
        var testDescription: String { name }
    }

    static let deferred: [Deferred] = [
        Deferred(
            name: "setattr in upgrade()",
            code: "def upgrade():\n    for col in table.columns:\n        setattr(record, col.name, value)\n"),
        Deferred(
            name: "a read of revision in downgrade()",
            code: "def downgrade():\n    raise RuntimeError(f\"Cannot downgrade past revision: {revision!r}\")\n"),
        Deferred(
            name: "a one-line downgrade() that reads down_revision",
            code: "def downgrade(): raise RuntimeError('back to ' + down_revision)\n"),
        Deferred(
            name: "globals(), exec and a frame in a function",
            code: "def upgrade():\n    exec(globals()['SQL'])\n    sys._getframe().f_globals\n"),
        Deferred(
            name: "a local named revision, assigned and augmented",
            code: "def upgrade():\n    revision = 1\n    revision += 1\n    del revision\n"),
        Deferred(
            name: "a helper only upgrade() calls",
            code: "def _copy(row):\n    setattr(row, 'x', 1)\n\n\ndef upgrade():\n    _copy(op)\n"),
        Deferred(
            name: "a method of a plain class nothing uses at import",
            code: "class Record:\n    kind = 'row'\n\n    def set(self, key, value):\n        setattr(self, key, value)\n"),
        Deferred(
            name: "a nested function inside upgrade()",
            code: "async def upgrade():\n    def inner():\n        exec('x = 1')\n    inner()\n"),
    ]

    @Test(arguments: deferred)
    func functionBodiesNothingCallsAtImportAreNotRead(_ example: Deferred) throws {
        let source = "revision = 'b2'\ndown_revision = 'a1'\n\n" + example.code
        let file = try RevisionFile.parse(Array(source.utf8), path: "/v/b2.py")
        #expect(file.revision == "b2")
        #expect(file.downRevisions == ["a1"])
    }

    /// Code that runs while Alembic loads the file: the top level, its blocks, class bodies, decorators,
    /// default values, and every function that may be called from there. `alembic` is what real Alembic reads
    /// where reading the literals would name the wrong head.
    struct AtImport: CustomTestStringConvertible, Sendable {
        var name: String
        var code: String
        var reason: String
        var line: Int
        var alembic: [String]? = nil
        var testDescription: String { name }
    }

    static let atImport: [AtImport] = [
        AtImport(name: "setattr at the top level", code: "setattr(record, 'x', 1)\n", reason: "uses setattr", line: 3),
        AtImport(name: "a read of revision at the top level", code: "print(revision)\n", reason: "revision is used in a form prestart does not read", line: 3),
        AtImport(name: "setattr in an if block", code: "if True:\n    setattr(record, 'x', 1)\n", reason: "uses setattr", line: 4),
        AtImport(name: "globals() in a try block", code: "try:\n    pass\nexcept Exception:\n    globals()['revision'] = 'zz'\n", reason: "uses globals", line: 6),
        AtImport(name: "exec in a with block", code: "with op.batch():\n    exec('x = 1')\n", reason: "uses exec", line: 4),
        AtImport(name: "setattr in a for block", code: "for name in ['x']:\n    setattr(record, name, 1)\n", reason: "uses setattr", line: 4),
        AtImport(name: "a for loop binding revision", code: "for revision in ['zz']:\n    pass\n", reason: "revision is used in a form prestart does not read", line: 3, alembic: ["zz"]),
        AtImport(name: "except … as down_revision", code: "try:\n    1 / 0\nexcept ZeroDivisionError as down_revision:\n    pass\n", reason: "down_revision is used in a form prestart does not read", line: 5),
        AtImport(name: "del at the top level", code: "del down_revision\n", reason: "down_revision is used in a form prestart does not read", line: 3),
        AtImport(name: "augmented assignment", code: "revision += 'x'\n", reason: "revision is assigned twice", line: 3),
        AtImport(name: "setattr in a class body", code: "class A:\n    setattr(record, 'x', 1)\n", reason: "uses setattr", line: 4),
        AtImport(name: "global in a class body", code: "class A:\n    global revision\n    revision = 'zz'\n", reason: "revision is used in a form prestart does not read", line: 4, alembic: ["zz"]),
        AtImport(
            name: "global in a function called at the top level",
            code: "def bump():\n    global revision\n    revision = 'zz'\n\n\nbump()\n",
            reason: "revision is used in a form prestart does not read", line: 4, alembic: ["zz"]),
        AtImport(
            name: "globals() in a function called at the top level",
            code: "def bump():\n    globals()['revision'] = 'zz'\n\n\nbump()\n", reason: "uses globals", line: 4,
            alembic: ["zz"]),
        AtImport(
            name: "a function a decorator calls",
            code: "def run(function):\n    function()\n    return function\n\n\n@run\ndef bump():\n    exec(\"globals()['revision'] = 'zz'\")\n",
            reason: "uses exec", line: 10, alembic: ["zz"]),
        AtImport(
            name: "a function called by a default value",
            code: "def bump():\n    globals()['revision'] = 'zz'\n\n\ndef upgrade(when=bump()):\n    pass\n",
            reason: "uses globals", line: 4, alembic: ["zz"]),
        AtImport(
            name: "__init_subclass__ of a base class",
            code: "class Base:\n    def __init_subclass__(cls):\n        globals()['revision'] = 'zz'\n\n\nclass Model(Base):\n    pass\n",
            reason: "uses globals", line: 5, alembic: ["zz"]),
        AtImport(
            name: "a method of a class instantiated at the top level",
            code: "class Bump:\n    def __init__(self):\n        globals()['revision'] = 'zz'\n\n\nBump()\n",
            reason: "uses globals", line: 5, alembic: ["zz"]),
        AtImport(
            name: "a function inside a called function",
            code: "def outer():\n    def inner():\n        global revision\n        revision = 'zz'\n    inner()\n\n\nouter()\n",
            reason: "revision is used in a form prestart does not read", line: 5, alembic: ["zz"]),
        AtImport(
            name: "a function's __globals__",
            code: "def f():\n    pass\n\n\nf.__globals__['revision'] = 'zz'\n",
            reason: "uses __globals__", line: 7, alembic: ["zz"]),
        AtImport(
            name: "the module's frame",
            code: "import sys\nsys._getframe().f_globals['revision'] = 'zz'\n",
            reason: "uses _getframe", line: 4, alembic: ["zz"]),
        AtImport(
            name: "a module __getattr__",
            code: "def __getattr__(name):\n    return ('other',)\n",
            reason: "__getattr__", line: 3),
        AtImport(
            name: "a global statement in a function nothing calls",
            code: "def upgrade():\n    global revision\n",
            reason: "revision is used in a form prestart does not read: `global revision`", line: 4),
        AtImport(
            name: "import * inside a function",
            code: "def upgrade():\n    from app.ids import *\n",
            reason: "`import *` can bind any name", line: 4),
    ]

    @Test(arguments: atImport)
    func codeThatRunsAtImportIsRead(_ example: AtImport) {
        let source = "revision = 'b2'\ndown_revision = 'a1'\n" + example.code
        #expect {
            try RevisionFile.parse(Array(source.utf8), path: "/v/b2.py")
        } throws: { error in
            guard let unsure = error as? AlembicUnsure else { return false }
            #expect(unsure.reason.contains(example.reason), "\(unsure.reason)")
            #expect(unsure.line == example.line, "\(unsure)")
            return true
        }
    }

    @Test func invalidUTF8IsUnsure() {
        #expect(throws: AlembicUnsure("is not valid UTF-8", file: "/v/x.py")) {
            try RevisionFile.parse(Array(Self.base.utf8) + [0x23, 0xFF, 0x0A], path: "/v/x.py")
        }
    }

    @Test func theTokenizerKeepsLinesAndIndentation() throws {
        let tokens = try PythonTokenizer.tokenize(Array("x = (\n  'a'  # c\n)\nif y:\n    z = \"\"\"\n\"\"\"\n".utf8))
        let lines = tokens.filter { $0.kind == .newline }.map(\.line)
        #expect(lines == [3, 4, 6])
        #expect(tokens.first { $0.text == "z" }?.indent == 4)
        #expect(tokens.first { $0.kind == .string }?.literal?.value == "a")
        #expect(tokens.last { $0.kind == .string }?.literal?.value == "\n")
    }
}

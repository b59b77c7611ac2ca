import PrestartSystem

/// Lints units of SQL with PostgreSQL's own parser: what each statement locks, and which rules it breaks.
///
/// A pure function of the text, the options and (in `plan`) the live catalog's facts: nothing here touches a
/// database. Statements a unit creates the table for are exempt from the rules about busy tables; with a catalog,
/// a finding on a table that does not exist yet or is empty is only a note.
public struct Linter: Sendable {
    public var options: LintOptions
    /// The live server's facts, in `plan`; nil in `check`.
    public var catalog: LintCatalog?

    public init(options: LintOptions, catalog: LintCatalog? = nil) {
        self.options = options
        self.catalog = catalog
    }

    /// The version the rules are checked against: the live server's in `plan`, `[lint] server-version` in `check`.
    public var serverVersion: Int { catalog?.serverVersion ?? options.serverVersion }

    public func lint(_ unit: LintUnit) -> UnitLint {
        var memory = LintMemory()
        return lint(unit, memory: &memory)
    }

    /// Lints one unit; `memory` carries what earlier units of the same step declared.
    public func lint(_ unit: LintUnit, memory: inout LintMemory) -> UnitLint {
        let source = SourceText(unit.text)
        var report = UnitLint(
            unit: unit.name, file: unit.file, transactional: unit.transactional, statements: [], findings: [])
        func at(_ offset: Int) -> (line: Int, column: Int) {
            let location = source.location(ofByte: offset)
            return (location.line + unit.firstLine - 1, location.column)
        }
        let parsed: [PostgresParser.Statement]
        switch PostgresParser.parse(unit.text) {
        case .failure(let failure):
            let severity = options.severity(of: .syntaxError)
            if severity != .off {
                let place = at(failure.position > 0 ? source.byteOffset(ofCharacter: failure.position) : 0)
                report.findings.append(
                    LintFinding(
                        file: unit.file, line: place.line, column: place.column, rule: .syntaxError, severity: severity,
                        message: "PostgreSQL's parser rejects this: \(failure.message); the unit would fail when it runs"))
            }
            return report
        case .success(let statements):
            parsed = statements
        }

        // Where each statement's first token is, and the allowances written in the comments before it.
        var firstTokens: [Int] = []
        var allowedHere: [Set<LintRule>] = []
        var allowedInFile: Set<LintRule> = []
        var gaps: [(start: Int, end: Int)] = []
        for statement in parsed {
            let end = statement.length.map { statement.location + $0 } ?? source.bytes.count
            let first = source.firstToken(from: statement.location, to: end)
            firstTokens.append(first)
            gaps.append((statement.location, first))
        }
        if let last = parsed.last, let length = last.length {
            gaps.append((last.location + length, source.bytes.count))
        }
        for (index, gap) in gaps.enumerated() {
            var here: Set<LintRule> = []
            for comment in source.lineComments(from: gap.start, to: gap.end) {
                switch Allowance.parse(comment.text) {
                case nil: continue
                case .success(let allowance)?:
                    if allowance.wholeFile { allowedInFile.formUnion(allowance.rules) } else { here.formUnion(allowance.rules) }
                case .failure(let problem)?:
                    let severity = options.severity(of: .invalidAllow)
                    guard severity != .off else { continue }
                    let place = at(comment.offset)
                    report.findings.append(
                        LintFinding(
                            file: unit.file, line: place.line, column: place.column, rule: .invalidAllow,
                            severity: severity, message: problem.message))
                }
            }
            if index < parsed.count { allowedHere.append(here) }
        }

        var state = UnitState(transactional: unit.transactional)
        var pendingTimeout: (place: (line: Int, column: Int), setting: String, allowed: Set<LintRule>)?
        for (index, statement) in parsed.enumerated() {
            let place = at(firstTokens[index])
            var analysis = Analysis()
            analyze(statement.tree, into: &analysis, state: &state, memory: &memory)
            report.statements.append(
                StatementLocks(
                    line: place.line, column: place.column, command: analysis.command,
                    locks: analysis.locks.map { lock in
                        StatementLocks.Lock(level: lock.level, target: lock.target, note: note(for: lock.table, state: state))
                    }))
            let allowed = allowedHere[index].union(allowedInFile)
            for candidate in analysis.candidates {
                if let finding = resolve(candidate, at: place, file: unit.file, allowed: allowed, state: state) {
                    report.findings.append(finding)
                }
            }
            // lock-timeout-disabled: reported at the SET, once, when a schema change follows it.
            if let setting = analysis.disablesTimeout {
                pendingTimeout = (place, setting, allowed)
            } else if analysis.restoresTimeout {
                pendingTimeout = nil
            } else if let pending = pendingTimeout,
                analysis.locks.contains(where: { $0.level >= .shareUpdateExclusive && !state.isNew($0.table) })
            {
                let candidate = Candidate(rule: .lockTimeoutDisabled, table: nil) { _ in
                    "SET \(pending.setting) = 0 before a schema change: while that statement waits for its lock, every "
                        + "query on the table queues behind it, for as long as it waits. Keep a timeout (e.g. SET "
                        + "lock_timeout = '5s'), and let prestart retry the unit (retries = N) after a lock timeout."
                }
                if let finding = resolve(candidate, at: pending.place, file: unit.file, allowed: pending.allowed, state: state) {
                    report.findings.append(finding)
                }
                pendingTimeout = nil
            }
        }
        report.findings.sort { ($0.line, $0.column) < ($1.line, $1.column) }
        return report
    }

    /// The severity a candidate ends up with, or nil when it does not count here.
    private func resolve(
        _ candidate: Candidate, at place: (line: Int, column: Int), file: String, allowed: Set<LintRule>,
        state: UnitState
    ) -> LintFinding? {
        var severity = options.severity(of: candidate.rule)
        guard severity != .off, !allowed.contains(candidate.rule) else { return nil }
        if let versions = candidate.rule.versions, !versions.contains(serverVersion) { return nil }
        var size = ""
        if let catalog, let table = candidate.table {
            if let facts = catalog.table(table) {
                size = " (\(facts.sizeText))"
                if facts.isEmpty && candidate.harmlessWhenEmpty { severity = .note }
            } else {
                size = " (a new table)"
                if candidate.harmlessWhenEmpty { severity = .note }
            }
        }
        return LintFinding(
            file: file, line: place.line, column: place.column, rule: candidate.rule, severity: severity,
            message: candidate.message(size))
    }

    /// The note beside a lock in `plan`'s table.
    private func note(for table: TableName?, state: UnitState) -> String? {
        guard let table else { return nil }
        if state.isNew(table) { return "created in this unit" }
        guard let catalog else { return nil }
        return catalog.table(table)?.sizeText ?? "a new table"
    }
}

extension Linter {
    /// What one unit has done so far.
    struct UnitState {
        var transactional: Bool
        /// Tables the unit created: empty, and invisible to other sessions until it commits (when transactional).
        var created: [TableName] = []
        /// Constraints the unit added NOT VALID.
        var addedNotValid: Set<String> = []

        func isNew(_ table: TableName?) -> Bool {
            guard let table else { return false }
            return created.contains { $0.matches(table) }
        }
    }

    /// A rule broken by a statement, before the options, allowances and table facts decide what it weighs.
    struct Candidate {
        var rule: LintRule
        /// The table the finding is about, when the catalog can say how big it is.
        var table: TableName?
        /// False for what fails at run time whatever the table holds.
        var harmlessWhenEmpty = true
        /// The message, given the table's size in parentheses (`" (≈ 2.1 M rows)"`, or `""` without a catalog).
        var message: (String) -> String
    }

    /// One statement's command, locks and candidates.
    struct Analysis {
        var command = ""
        var locks: [(level: LockLevel, target: String, table: TableName?)] = []
        var candidates: [Candidate] = []
        /// `lock_timeout` or `statement_timeout` when the statement sets it to 0.
        var disablesTimeout: String?
        var restoresTimeout = false

        mutating func lock(_ level: LockLevel, _ table: TableName?) {
            guard let table else { return }
            locks.append((level, table.description, table))
        }

        mutating func flag(_ rule: LintRule, on table: TableName?, harmlessWhenEmpty: Bool = true, _ message: @escaping (String) -> String) {
            candidates.append(Candidate(rule: rule, table: table, harmlessWhenEmpty: harmlessWhenEmpty, message: message))
        }
    }
}

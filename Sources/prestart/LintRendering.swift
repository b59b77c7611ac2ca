import PrestartLint
import PrestartSystem

/// How `check` and `plan` show lint: findings as `FILE:LINE:COL: RULE: message` (what editors and CI annotate),
/// `plan`'s lock table per pending unit, and the same as JSON.
enum LintRendering {
    /// One line per finding; notes say so, since they do not count.
    static func findings(_ units: [UnitLint]) -> [String] {
        units.findings.map { finding in
            guard finding.severity == .note else { return finding.text }
            return "\(finding.file):\(finding.line):\(finding.column): note: \(finding.rule.rawValue): \(finding.message)"
        }
    }

    /// `check`'s closing line: `lint: 12 SQL units, 2 warnings, 0 errors (PostgreSQL 15)`.
    static func summary(_ units: [UnitLint], serverVersion: Int) -> String {
        let findings = units.findings
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warn }.count
        return "lint: \(units.count) SQL unit\(units.count == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s"), "
            + "\(errors) error\(errors == 1 ? "" : "s") (PostgreSQL \(LintOptions.versionText(serverVersion)))"
    }

    /// `plan`'s section: per pending unit, whether it runs in a transaction, each statement's locks, its findings.
    static func lockTable(_ units: [UnitLint], serverVersion: Int?) -> [String] {
        guard !units.isEmpty else { return [] }
        var lines = [""]
        let version = serverVersion.map { " (PostgreSQL \(LintOptions.versionText($0)))" } ?? ""
        lines.append("Before it runs: locks and lint of the pending SQL\(version)")
        for unit in units {
            lines.append("")
            lines.append("\(unit.file)  \(unit.transactional ? "in one transaction" : "no transaction: each statement commits on its own")")
            let width = unit.statements.map { "\($0.line):\($0.column)".count }.max() ?? 0
            let commandWidth = min(40, unit.statements.map(\.command.count).max() ?? 0)
            for statement in unit.statements {
                let place = "\(statement.line):\(statement.column)"
                lines.append(
                    "  " + place.padded(to: width) + "  " + statement.command.padded(to: commandWidth) + "  "
                        + statement.locksText)
            }
            for finding in findings([unit]) { lines.append("  " + finding) }
        }
        return lines
    }

    static func json(_ units: [UnitLint]) -> JSON {
        .array(
            units.map { unit in
                .object([
                    ("unit", .string(unit.unit)), ("file", .string(unit.file)),
                    ("transactional", .bool(unit.transactional)),
                    (
                        "statements",
                        .array(
                            unit.statements.map { statement in
                                .object([
                                    ("line", .int(Int64(statement.line))), ("column", .int(Int64(statement.column))),
                                    ("command", .string(statement.command)),
                                    (
                                        "locks",
                                        .array(
                                            statement.locks.map { lock in
                                                .object(
                                                    [("level", .string(lock.level.name)), ("target", .string(lock.target))]
                                                        + (lock.note.map { [("note", JSON.string($0))] } ?? []))
                                            })
                                    ),
                                ])
                            })
                    ),
                    ("findings", .array(unit.findings.map(json))),
                ])
            })
    }

    static func json(_ finding: LintFinding) -> JSON {
        .object([
            ("file", .string(finding.file)), ("line", .int(Int64(finding.line))),
            ("column", .int(Int64(finding.column))), ("rule", .string(finding.rule.rawValue)),
            ("severity", .string(finding.severity.rawValue)), ("message", .string(finding.message)),
        ])
    }
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }
}

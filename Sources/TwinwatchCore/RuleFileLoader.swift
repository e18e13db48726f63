import Foundation
import Yams

/// Reads an alert rule file (DESIGN §7): `rules:` — a list of rules — with every problem located by
/// the rule file's name, line and key.
public enum RuleFileLoader {
    /// The rules of the file at `path`.
    public static func load(path: String) throws(ConfigError) -> [AlertRule] {
        let reader = YAMLReader(file: path)
        let rules = load(path: path, into: reader)
        guard reader.issues.isEmpty else { throw ConfigError(issues: sorted(reader.issues)) }
        return rules
    }

    /// Whether `yaml` is a rule file (a top-level `rules` list) rather than a configuration.
    public static func isRuleFile(yaml: String) -> Bool {
        guard let mapping = (try? Yams.compose(yaml: yaml))??.mapping else { return false }
        return mapping[Node("rules")] != nil && mapping[Node("kafka")] == nil
    }

    /// Validates rule YAML text; `file` names it in error messages.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> [AlertRule] {
        let reader = YAMLReader(file: file)
        let rules = parse(yaml: yaml, reader)
        guard reader.issues.isEmpty else { throw ConfigError(issues: sorted(reader.issues)) }
        return rules
    }

    /// Loads `path`, recording its problems (under its own file name) in `parent`; p-value
    /// conditions below `minimumLevel` (1/(B+1)) are refused, as they could never hold.
    static func load(path: String, into parent: YAMLReader, minimumLevel: Double = 0) -> [AlertRule] {
        let reader = YAMLReader(file: path)
        defer { parent.absorb(reader) }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            reader.report(0, "", "cannot read rule file")
            return []
        }
        return parse(yaml: text, reader, minimumLevel: minimumLevel)
    }

    private static func parse(yaml: String, _ r: YAMLReader, minimumLevel: Double = 0) -> [AlertRule] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            r.report(1, "", "invalid YAML: \(error)")
            return []
        }
        guard let mapping = root?.mapping else {
            r.report(root?.mark?.line ?? 1, "", "expected a mapping with a list under \"rules\"")
            return []
        }
        let top = YAMLSection(mapping: mapping, path: "", line: mapping.mark?.line ?? 1)
        r.rejectUnknownKeys(top, allowed: ["rules"])
        if top.node("rules") == nil { r.report(top.line, "rules", "is required") }
        var rules: [AlertRule] = []
        var names: Set<String> = []
        for s in r.sectionList(top, "rules") {
            guard let rule = readRule(s, r) else { continue }
            if case .pValueBelow(let level) = rule.condition, level < minimumLevel {
                r.report(s.line(of: "condition"), s.key("condition.p_value_below"),
                         "\(level) is below 1/(B+1) = \(minimumLevel) with baseline.null_resamples B = \(Int((1 / minimumLevel).rounded()) - 1): "
                         + "the alert could never fire; raise null_resamples or the level")
            }
            if !names.insert(rule.name).inserted {
                r.report(s.line(of: "name"), s.key("name"), "duplicate rule \"\(rule.name)\"")
                continue
            }
            rules.append(rule)
        }
        return rules
    }

    private static func readRule(_ s: YAMLSection, _ r: YAMLReader) -> AlertRule? {
        r.rejectUnknownKeys(s, allowed: ["name", "signal", "scope", "condition", "for", "keep_firing_for", "consecutive_windows",
                                         "severity", "labels", "annotations"])
        let name = r.string(s, "name", required: true)
        if let name, name.range(of: "^[A-Za-z_][A-Za-z0-9_]*$", options: .regularExpression) == nil {
            r.report(s.line(of: "name"), s.key("name"), "must be a label value of letters, digits and _ (it becomes alertname), got \"\(name)\"")
        }
        var signal: AlertSignal?
        if let signalName = r.string(s, "signal", required: true) {
            signal = AlertSignal.named(signalName)
            if signal == nil {
                r.report(s.line(of: "signal"), s.key("signal"),
                         "unknown signal \"\(signalName)\" (known: \(AlertSignal.all.map(\.name).joined(separator: ", ")))")
            }
        }
        let condition = readCondition(s, r, signal: signal)
        let severityName = r.string(s, "severity", required: true)
        let severity = severityName.flatMap(AlertSeverity.init(rawValue:))
        if let severityName, severity == nil {
            r.report(s.line(of: "severity"), s.key("severity"), "expected page or ticket, got \"\(severityName)\"")
        }
        let consecutive = r.int(s, "consecutive_windows", min: 1)
        if consecutive != nil, let signal, !signal.isDrift {
            r.report(s.line(of: "consecutive_windows"), s.key("consecutive_windows"), "applies to drift.* signals only (\(signal) is not judged on windows)")
        }
        let scope = r.section(s, "scope").map { r.stringMap($0) } ?? [:]
        var labels = r.section(s, "labels").map { r.stringMap($0) } ?? [:]
        for reserved in ["alertname", "severity"] where labels[reserved] != nil {
            r.report(s.line(of: "labels"), s.key("labels.\(reserved)"), "is set by twinwatch (from name and severity)")
            labels[reserved] = nil
        }
        let annotations = r.section(s, "annotations").map { r.stringMap($0) } ?? [:]
        let forDuration = r.duration(s, "for", allowZero: true) ?? .zero
        let keep = r.duration(s, "keep_firing_for", allowZero: true) ?? .zero
        guard let name, let signal, let condition, let severity else { return nil }
        return AlertRule(name: name, signal: signal, scope: scope, condition: condition, forDuration: forDuration, keepFiringFor: keep,
                         consecutiveWindows: consecutive, severity: severity, labels: labels, annotations: annotations)
    }

    private static func readCondition(_ s: YAMLSection, _ r: YAMLReader, signal: AlertSignal?) -> AlertCondition? {
        guard let c = r.section(s, "condition", required: true) else { return nil }
        r.rejectUnknownKeys(c, allowed: Set(AlertCondition.keys))
        let present = AlertCondition.keys.filter { c.node($0) != nil }
        guard present.count == 1, let key = present.first else {
            r.report(c.line, c.path, "expected exactly one of \(AlertCondition.keys.joined(separator: ", "))")
            return nil
        }
        guard let node = c.node(key), let x = node.scalar.flatMap({ Double($0.string) }), x.isFinite else {
            r.report(c.line(of: key), c.key(key), "expected a number")
            return nil
        }
        let condition = AlertCondition(key: key, threshold: x)!
        if case .pValueBelow = condition, !(x > 0 && x < 1) {
            r.report(c.line(of: key), c.key(key), "a p-value level must lie in (0, 1), got \(x)")
        }
        if let signal, !signal.supports(condition) {
            r.report(c.line(of: key), c.key(key), "\(signal) carries no \(evidenceName(condition)) (its conditions: \(supported(signal)))")
            return nil
        }
        return condition
    }

    private static func evidenceName(_ condition: AlertCondition) -> String {
        switch condition {
        case .above, .below: "value"
        case .pValueBelow: "p-value"
        case .zAbove: "z"
        case .ratioToBaselineAbove, .ratioToBaselineBelow, .changeFromBaselineAbove: "baseline value"
        case .ciLowerAbove, .ciUpperBelow: "confidence interval"
        }
    }

    private static func supported(_ signal: AlertSignal) -> String {
        AlertCondition.keys.filter { signal.supports(AlertCondition(key: $0, threshold: 0)!) }.joined(separator: ", ")
    }

    private static func sorted(_ issues: [ConfigIssue]) -> [ConfigIssue] { issues.sorted { ($0.line, $0.key) < ($1.line, $1.key) } }
}

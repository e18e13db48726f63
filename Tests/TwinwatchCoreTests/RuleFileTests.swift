import Foundation
import Testing
import TwinwatchCore

@Suite("Alert rule files")
struct RuleFileTests {
    static let shipped = #filePath.replacingOccurrences(of: "Tests/TwinwatchCoreTests/RuleFileTests.swift", with: "rules/twinwatch-alerts.yaml")

    @Test("the shipped rules load: every default alert, each with severity, summary, description and a runbook in docs/runbooks")
    func shippedRules() throws {
        let rules = try RuleFileLoader.load(path: Self.shipped)
        #expect(rules.map(\.name) == ["EmbeddingDrift", "EmbeddingDriftWeak", "FARAboveTarget", "RecallDrop", "EmbeddingCollapse",
                                      "MeanSimilarityShift", "RejectedEvents", "ConsumerLagHigh", "BaselineStale"])
        let drift = try #require(rules.first)
        #expect(drift.signal == .driftCombined && drift.condition == .pValueBelow(0.001) && drift.forDuration == .seconds(600) && drift.severity == .page)
        let repo = URL(fileURLWithPath: Self.shipped).deletingLastPathComponent().deletingLastPathComponent()
        for rule in rules {
            for key in ["summary", "description", "runbook_url"] { #expect(rule.annotations[key] != nil, "\(rule.name) lacks \(key)") }
            let runbook = try #require(rule.annotations["runbook_url"]?.replacingOccurrences(of: "{{runbook_base_url}}", with: "docs/runbooks"))
            #expect(FileManager.default.fileExists(atPath: repo.appendingPathComponent(runbook).path), "\(rule.name): no \(runbook)")
        }
    }

    @Test("every problem is named with the rule file, line and key")
    func errors() {
        let yaml = """
            rules:
              - name: Bad-Name
                signal: drift.wasserstein
                condition: {above: 1, below: 2}
                severity: urgent
              - name: X
                signal: far
                condition: {p_value_below: 0.01}
                severity: page
                consecutive_windows: 2
                for: soon
                labels: {severity: page}
              - name: X
                signal: drift.combined
                condition: {p_value_below: 1.5}
                severity: ticket
            """
        do {
            _ = try RuleFileLoader.parse(yaml: yaml, file: "r.yaml")
            Issue.record("accepted a bad rule file")
        } catch {
            #expect(error.issues.map(\.description) == [
                "r.yaml:2: rules[0].name: must be a label value of letters, digits and _ (it becomes alertname), got \"Bad-Name\"",
                "r.yaml:3: rules[0].signal: unknown signal \"drift.wasserstein\" (known: \(AlertSignal.all.map(\.name).joined(separator: ", ")))",
                "r.yaml:4: rules[0].condition: expected exactly one of above, below, p_value_below, z_above, ratio_to_baseline_above, ratio_to_baseline_below, change_from_baseline_above, ci_lower_above, ci_upper_below",
                "r.yaml:5: rules[0].severity: expected page or ticket, got \"urgent\"",
                "r.yaml:8: rules[1].condition.p_value_below: far carries no p-value (its conditions: above, below, ci_lower_above, ci_upper_below)",
                "r.yaml:10: rules[1].consecutive_windows: applies to drift.* signals only (far is not judged on windows)",
                "r.yaml:11: rules[1].for: expected a duration like 500ms, 10s, 5m or 1h, got \"soon\"",
                "r.yaml:12: rules[1].labels.severity: is set by twinwatch (from name and severity)",
                "r.yaml:15: rules[2].condition.p_value_below: a p-value level must lie in (0, 1), got 1.5",
            ])
        }
    }

    @Test("a rule file is told apart from a configuration")
    func detection() {
        #expect(RuleFileLoader.isRuleFile(yaml: "rules: []\n"))
        #expect(!RuleFileLoader.isRuleFile(yaml: "kafka: {brokers: [b]}\n"))
        #expect(!RuleFileLoader.isRuleFile(yaml: ": : not yaml"))
    }
}

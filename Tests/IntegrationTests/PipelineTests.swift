import Alerting
import DemoSupport
import Foundation
import Logging
import Testing
import TwinwatchCore

/// Mock cluster → consumer group → windows per cohort → estimators with a calibrated null → the
/// shipped alert rules → outbox → libcurl → local signed-webhook sink.
@Suite("End-to-end pipeline", .serialized)
struct PipelineTests {
    static let rulesFile = #filePath.replacingOccurrences(of: "Tests/IntegrationTests/PipelineTests.swift", with: "rules/twinwatch-alerts.yaml")

    private func scenario(meanShift: Double) -> DemoScenario {
        var s = DemoScenario()
        s.baselineRows = 6000
        s.steadyRows = 10000
        s.shiftedRows = 9000
        s.recoveredRows = 4000
        s.windowSize = 200
        s.meanShift = meanShift
        s.eventsPerSecond = 2500
        s.evaluationInterval = .milliseconds(300)
        // 10 m of `for` become 1 s.
        s.timeScale = 600
        s.seed = 2024
        return s
    }

    private var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }

    @Test("a mean shift: the page goes pending, fires, is delivered signed and grouped, resolves after recovery; nothing before the shift")
    func shiftAlerts() async throws {
        let scenario = scenario(meanShift: 0.5)
        let rules = try RuleFileLoader.load(path: Self.rulesFile)
        let outcome = try await DemoRunner(scenario: scenario, rules: rules, logger: logger).run()
        #expect(outcome.eventsAccepted == scenario.totalRows)
        #expect(outcome.alertsBeforeShift == 0)
        #expect(outcome.badSignatures == 0 && outcome.outboxPending == 0)
        #expect(outcome.meetsExpectation(for: scenario))
        // Every page fired only after its `for` and resolved later.
        for fired in outcome.transitions.filter({ $0.kind == .firing && $0.instance.severity == .page }) {
            let a = fired.instance
            #expect(["EmbeddingDrift", "FARAboveTarget"].contains(a.rule))
            #expect(try #require(a.firedAt) - a.activeSince >= 1000, "fired before its for: \(a)")
            #expect(outcome.transitions.contains { $0.kind == .resolved && $0.instance.fingerprint == a.fingerprint })
        }
        // The weak-drift and similarity-shift tickets of the same model fire too, but the pages inhibit them: never sent.
        let sent = Set(outcome.messages.flatMap { $0.alerts.compactMap { $0.labels["alertname"] } })
        #expect(sent == ["EmbeddingDrift", "FARAboveTarget"], "\(sent)")
        // The shifted cohort's impostor scores rose: FAR page, and a dry-run proposal to raise its threshold.
        #expect(outcome.transitions.contains { $0.kind == .firing && $0.instance.rule == "FARAboveTarget" && $0.instance.labels["cohort"] == scenario.shiftedCohort })
        #expect(outcome.thresholdProposals >= 1)
        let firing = try #require(outcome.messages.first { $0.status == .firing && $0.groupLabels["alertname"] == "EmbeddingDrift" })
        #expect(firing.receiver == "demo-sink" && firing.groupLabels == ["alertname": "EmbeddingDrift", "model": scenario.model])
        let alert = try #require(firing.alerts.first)
        #expect(alert.labels["severity"] == "page" && alert.labels["model"] == scenario.model && alert.labels["team"] != nil)
        #expect(alert.value <= 0.001)
        #expect(alert.fingerprint == Fingerprint.of(rule: "EmbeddingDrift", labels: alert.labels))
        #expect(alert.summary?.contains("Embedding drift") == true, "\(alert.annotations)")
        #expect(alert.annotations["runbook_url"] == "docs/runbooks/embedding-drift.md")
        // One message per group and state: the cohorts of the model fire together (group_by alertname, model).
        let resolved = try #require(outcome.messages.last { $0.groupLabels["alertname"] == "EmbeddingDrift" })
        #expect(resolved.status == .resolved && resolved.alerts.allSatisfy { $0.status == .resolved && $0.endsAt != "0001-01-01T00:00:00Z" })
        #expect(outcome.metrics.contains(#"twinwatch_window_rows{model="face-verify",cohort="all"} 200.0"#), "\(outcome.metrics)")
        #expect(outcome.metrics.contains(#"twinwatch_drift_p_value{model="face-verify",cohort="all",estimator="combined"}"#))
        #expect(outcome.metrics.contains(#"twinwatch_drift_z{model="face-verify",cohort="eu-mobile",estimator="frechet"}"#))
        #expect(outcome.metrics.contains(#"twinwatch_notifications_total{receiver="demo-sink",outcome="delivered"} \#(outcome.messages.count)"#),
                "\(outcome.metrics)")
        #expect(outcome.metrics.contains(#"twinwatch_outbox_pending{receiver="demo-sink"} 0.0"#))
    }

    @Test("a stream without drift sends no alert")
    func noShiftNoAlert() async throws {
        let scenario = scenario(meanShift: 0)
        let outcome = try await DemoRunner(scenario: scenario, rules: try RuleFileLoader.load(path: Self.rulesFile), logger: logger).run()
        #expect(outcome.eventsAccepted == scenario.totalRows)
        // Every window (3 cohorts and the aggregate) was scored against the calibrated null many times.
        #expect(outcome.evaluations >= 40)
        #expect(outcome.count(.firing) == 0 && outcome.count(.firing, severity: .ticket) == 0)
        #expect(outcome.messages.isEmpty)
    }
}

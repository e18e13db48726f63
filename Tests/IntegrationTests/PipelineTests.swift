import Alerting
import DemoSupport
import Logging
import Testing

/// Mock cluster → consumer group → window → per-dim W1 → alert → libcurl → local HTTP sink.
@Suite("End-to-end pipeline", .serialized)
struct PipelineTests {
    private func scenario(meanShift: Double) -> DemoScenario {
        var s = DemoScenario()
        s.baselineRows = 1500
        s.steadyRows = 2500
        s.shiftedRows = 2000
        s.windowSize = 800
        s.meanShift = meanShift
        s.eventsPerSecond = 2000
        s.evaluationInterval = .milliseconds(300)
        s.seed = 2024
        return s
    }

    private var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }

    @Test("a mean shift fires an alert that reaches the webhook, and only after the shift")
    func shiftAlerts() async throws {
        let scenario = scenario(meanShift: 0.5)
        let outcome = try await DemoRunner(scenario: scenario, logger: logger).run()
        #expect(outcome.eventsAccepted == scenario.totalRows)
        #expect(outcome.alertsBeforeShift == 0)
        let firing = outcome.alerts.filter { $0.status == .firing }
        try #require(firing.count >= 1)
        let alert = firing[0]
        #expect(alert.model == scenario.model)
        #expect(alert.estimator == "w1")
        #expect(alert.rule == "EmbeddingDrift")
        #expect(alert.threshold == scenario.threshold)
        #expect(alert.value > alert.threshold)
        #expect(alert.windowRows == scenario.windowSize)
        #expect(outcome.metrics.contains(#"twinwatch_window_rows{model="face-verify",cohort="all"} 800.0"#), "\(outcome.metrics)")
        #expect(outcome.metrics.contains(#"twinwatch_drift_score{model="face-verify",cohort="all",estimator="w1"}"#))
        #expect(alert.fingerprint == Fingerprint.of(rule: "EmbeddingDrift", labels: ["cohort": "all", "estimator": "w1", "model": scenario.model]))
    }

    @Test("a stream without drift sends no alert")
    func noShiftNoAlert() async throws {
        let scenario = scenario(meanShift: 0)
        let outcome = try await DemoRunner(scenario: scenario, logger: logger).run()
        #expect(outcome.eventsAccepted == scenario.totalRows)
        #expect(outcome.evaluations > 5)
        #expect(outcome.alerts.isEmpty)
    }
}

import Alerting
import DemoSupport
import Logging
import Testing

/// Mock cluster → consumer group → windows per cohort → estimators with a calibrated null → alert → libcurl → local HTTP sink.
@Suite("End-to-end pipeline", .serialized)
struct PipelineTests {
    private func scenario(meanShift: Double) -> DemoScenario {
        var s = DemoScenario()
        s.baselineRows = 6000
        s.steadyRows = 10000
        s.shiftedRows = 3000
        s.windowSize = 200
        s.meanShift = meanShift
        s.eventsPerSecond = 2500
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
        #expect(alert.estimator == "combined_p")
        #expect(alert.rule == "EmbeddingDrift")
        #expect(alert.threshold == scenario.level)
        #expect(alert.value <= alert.threshold)
        #expect(alert.windowRows == scenario.windowSize)
        #expect(alert.summary.contains("sliced z="), "\(alert.summary)")
        #expect(outcome.metrics.contains(#"twinwatch_window_rows{model="face-verify",cohort="all"} 200.0"#), "\(outcome.metrics)")
        #expect(outcome.metrics.contains(#"twinwatch_drift_p_value{model="face-verify",cohort="all",estimator="combined"}"#))
        #expect(outcome.metrics.contains(#"twinwatch_drift_z{model="face-verify",cohort="eu-mobile",estimator="frechet"}"#))
        #expect(alert.fingerprint == Fingerprint.of(rule: "EmbeddingDrift", labels: ["cohort": alert.cohort, "model": scenario.model]))
    }

    @Test("a stream without drift sends no alert")
    func noShiftNoAlert() async throws {
        let scenario = scenario(meanShift: 0)
        let outcome = try await DemoRunner(scenario: scenario, logger: logger).run()
        #expect(outcome.eventsAccepted == scenario.totalRows)
        // At least the final window of every key (3 cohorts and the aggregate) was scored against the calibrated null.
        #expect(outcome.evaluations >= 4)
        #expect(outcome.alerts.isEmpty)
    }
}

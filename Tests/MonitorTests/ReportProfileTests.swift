import DemoSupport
import DriftEstimators
import Foundation
import Logging
import Monitor
import Reports
import StateStore
import Synchronization
import Testing
import TwinwatchCore

/// The report's per-dimension W1, histograms, baseline health and ROC come from profiles the
/// daemon's own evaluator stores in the history, on its schedule.
@Suite("Report: drift profiles and ROC from the evaluator", .serialized)
struct ReportProfileTests {
    static let d = 8
    static let shiftedDimension = 3

    /// `n` rows of `cohort`; c2's dimension 3 moved by `shift`. Scores: genuine ~ 0.75, impostor ~ 0.3.
    static func events(_ n: Int, cohort: String, shift: Float, from start: Int, rng: inout SplitMix64) -> [InferenceEvent] {
        let generator = SyntheticEmbeddings(dimension: d, seed: 11)
        return (0..<n).map { i in
            var row = generator.row(using: &rng)
            row[shiftedDimension] += shift
            let genuine = i % 2 == 0
            let score = (genuine ? 0.75 : 0.30) + 0.1 * (Double(rng.next() % 1000) / 1000 - 0.5)
            return InferenceEvent(eventID: "\(cohort)-\(start + i)", timestampMs: Int64(start + i), model: "m", cohort: cohort, score: score,
                                  embedding: row, label: genuine ? 1 : 0)
        }
    }

    @Test("per-dimension W1 and histograms point at the moved dimension; baseline health and ROC per cohort; profiles on their schedule")
    func profilesReachTheReport() async throws {
        var logger = Logger(label: "profiles")
        logger.logLevel = .critical
        let path = try TemporaryStore.path("profiles")
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["unused"]), window: WindowSettings(size: 200),
                                     baseline: BaselineSettings(autoCapture: false, nullResamples: 999))
        // Profiles once a day, or every 5 minutes for a window at the level (1 / (B + 1) = 0.001).
        config.store = StoreSettings(path: path, profileInterval: .seconds(86_400))
        config.alerting.rules = [AlertRule(name: "Drift", signal: .driftCombined, condition: .pValueBelow(0.001), severity: .page)]
        let store = try TwinwatchStore(path: path)
        var rng = SplitMix64(seed: 42)
        let baselineEvents = Self.events(800, cohort: "c1", shift: 0, from: 0, rng: &rng) + Self.events(800, cohort: "c2", shift: 0, from: 0, rng: &rng)
        let rows = try Matrix(rows: baselineEvents.count, cols: Self.d, values: baselineEvents.flatMap { $0.embedding! })
        _ = try await store.insert(NewBaseline(model: "m", createdBy: "test", source: "test", rows: rows, cohorts: baselineEvents.map(\.cohort)),
                                   status: .active)

        let now = Atomic<Int64>(Int64(Date().timeIntervalSince1970 * 1000))
        let state = MonitorState(config: config, store: store, logger: logger)
        let evaluator = EvaluatorService(state: state, store: store, config: config, alerts: nil, metrics: DaemonMetrics(), logger: logger,
                                         clock: { now.load(ordering: .relaxed) })
        var fed = 1000
        func round() async {
            let batch = Self.events(200, cohort: "c1", shift: 0, from: fed, rng: &rng) + Self.events(200, cohort: "c2", shift: 1.5, from: fed, rng: &rng)
            fed += 200
            _ = await state.ingest(batch, sources: Array(repeating: nil, count: batch.count))
            await evaluator.evaluateOnce()
            now.add(10_000, ordering: .relaxed)
        }
        // Calibration runs in the background: rounds until every key has been profiled once.
        let deadline = ContinuousClock.now + .seconds(120)
        while try await Set(store.latestHistory(model: "m", kind: .driftProfile).map(\.cohort)) != ["all", "c1", "c2"], ContinuousClock.now < deadline {
            await round()
            try await Task.sleep(for: .milliseconds(50))
        }
        // 310 s of rounds at 10 s: c2 (p at the level since its first profile) once more, c1 not; ROC once a day.
        func profiled() async throws -> [String: Int] {
            Dictionary(grouping: try await store.history(model: "m", kinds: [.driftProfile]), by: \.cohort).mapValues(\.count)
        }
        let before = try await profiled()
        #expect(before["c1"] == 1, "c1 is not at the level, yet profiled again: \(before)")
        for _ in 0..<31 { await round() }
        let after = try await profiled()
        #expect(after["c1"] == 1 && after["c2"] == before["c2"].map { $0 + 1 } && (1...2).contains((after["all"] ?? 0) - (before["all"] ?? 0)),
                "before \(before), after \(after)")
        #expect(Set(try await store.history(model: "m", kinds: [.roc]).map(\.cohort)).count == 2)
        #expect(try await store.history(model: "m", kinds: [.roc]).count == 2)

        let report = try await ReportAssembler(store: store, level: 0.001, targetFAR: nil).report(model: "m")
        let c2 = try #require(report.dimensionW1.first { $0.cohort == "c2" })
        #expect(c2.normalized && c2.w1.count == Self.d && c2.top(1).first?.dimension == Self.shiftedDimension, "\(c2.w1)")
        let c1 = try #require(report.dimensionW1.first { $0.cohort == "c1" })
        #expect(c1.w1[Self.shiftedDimension] < 0.3 && c2.w1[Self.shiftedDimension] > 1, "c1 \(c1.w1), c2 \(c2.w1)")
        // c2's first histogram is the moved dimension; every histogram counts each row once.
        let c2Histograms = report.projections.filter { $0.cohort == "c2" }
        #expect(c2Histograms.first?.label == "dimension \(Self.shiftedDimension)" && c2Histograms.contains { $0.label.hasPrefix("projection") })
        for h in report.projections {
            #expect(h.binEdges.count == h.baseline.count + 1 && h.current.count == h.baseline.count)
            #expect(h.current.reduce(0, +) == 200 && h.baseline.reduce(0, +) >= 600, "\(h.label) of \(h.cohort)")
        }
        // The baseline's health beside the window's: same distribution for c1, so close.
        let health = try #require(report.health.first { $0.cohort == "c1" })
        let reference = try #require(health.baseline)
        let latest = try #require(health.totalVariance.last)
        #expect(abs(latest / (reference.totalVariance ?? .nan) - 1) < 0.3, "window \(latest), baseline \(String(describing: reference.totalVariance))")
        #expect(reference.effectiveRank.map { $0 > 1 && $0 <= Double(Self.d) } == true)
        // ROC per cohort from the stored curves: starts at (0, 0), ends at (1, 1), ≤ ~100 points.
        for cohort in ["c1", "c2"] {
            let v = try #require(report.verification.first { $0.cohort == cohort })
            let roc = try #require(v.roc, "no ROC for \(cohort)")
            #expect(roc.fpr.first == 0 && roc.tpr.first == 0 && roc.fpr.last == 1 && roc.tpr.last == 1 && roc.fpr.count <= 102)
        }
        // Rendered: the plots are there instead of their no-data sentences.
        let html = HTMLReport.render(report)
        #expect(!html.contains(HTMLReport.NoData.dimensions) && !html.contains(HTMLReport.NoData.projections) && !html.contains(HTMLReport.NoData.roc))
        #expect(html.contains("W1 (baseline standard deviations)"))
    }
}

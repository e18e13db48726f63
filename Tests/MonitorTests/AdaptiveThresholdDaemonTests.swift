import Alerting
import DriftEstimators
import Foundation
import Logging
import Monitor
import StateStore
import Testing
import TwinwatchCore
import Verification

/// The adaptive thresholds through the daemon's own state and evaluator, with a real SQLite store
/// and the file publisher: one cohort's impostor scores rise, only its threshold moves, every change
/// is stored with its evidence, published, and kept across a restart.
@Suite("Adaptive thresholds in the daemon", .serialized)
struct AdaptiveThresholdDaemonTests {
    static var logger: Logger {
        var logger = Logger(label: "adaptive")
        logger.logLevel = .critical
        return logger
    }

    static func config(store: String, file: String) -> TwinwatchConfig {
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["unused"]))
        config.store = StoreSettings(path: store)
        config.baseline.autoCapture = false
        config.verification.threshold = 0.49
        config.verification.windowEvents = 2000
        config.verification.adaptive.mode = .apply
        config.verification.adaptive.calibrator = .targetFAR(0.01)
        config.verification.adaptive.coolDown = .milliseconds(1)
        config.verification.adaptive.confirmations = 2
        config.verification.adaptive.publishFile = file
        return config
    }

    /// `n` labelled events per cohort (half impostors ~ N(0.30, 0.08), c2's raised by `shift`).
    static func events(_ n: Int, shift: Double, from start: Int, rng: inout SplitMix64) -> [InferenceEvent] {
        var out: [InferenceEvent] = []
        for i in 0..<n {
            for cohort in ["c1", "c2", "c3"] {
                let genuine = rng.next() % 2 == 0
                let u1 = Double(rng.next() % 1_000_000 + 1) / 1_000_000, u2 = Double(rng.next() % 1_000_000) / 1_000_000
                let z = (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
                let mean = genuine ? 0.75 : 0.30 + (cohort == "c2" ? shift : 0)
                out.append(InferenceEvent(eventID: "\(cohort)-\(start + i)", timestampMs: 0, model: "m", cohort: cohort,
                                          score: min(1, max(0, mean + (genuine ? 0.07 : 0.08) * z)), label: genuine ? 1 : 0))
            }
        }
        return out
    }

    @Test("c2's impostors rise by 0.1: its threshold moves up in steps ≤ max_step, stored and published; c1, c3 unchanged; a restart keeps it")
    func shiftMovesOnlyThatCohort() async throws {
        let path = try TemporaryStore.path("adaptive")
        let file = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("thresholds.json").path
        let config = Self.config(store: path, file: file)
        let store = try TwinwatchStore(path: path)
        let state = MonitorState(config: config, store: store, logger: Self.logger)
        let publisher = ThresholdPublisher(producer: nil, topic: nil, file: file, logger: Self.logger)
        let evaluator = EvaluatorService(state: state, store: store, config: config, alerts: nil, thresholds: publisher,
                                         metrics: DaemonMetrics(), logger: Self.logger)
        var rng = SplitMix64(seed: 2027)
        var fed = 0
        // Steady: no change anywhere.
        for _ in 0..<6 {
            _ = await state.ingest(Self.events(2000, shift: 0, from: fed, rng: &rng), sources: Array(repeating: nil, count: 6000))
            fed += 2000
            await evaluator.evaluateOnce()
        }
        let steady = try await store.thresholdHistory()
        #expect(steady.isEmpty, "changed without a shift: \(steady)")
        // c2's impostor scores rise: FAR at 0.49 goes from ≈ 1 % to ≈ 9 %.
        for _ in 0..<12 {
            _ = await state.ingest(Self.events(2000, shift: 0.1, from: fed, rng: &rng), sources: Array(repeating: nil, count: 6000))
            fed += 2000
            await evaluator.evaluateOnce()
        }
        let history = try await store.thresholdHistory()
        #expect(!history.isEmpty && history.allSatisfy { $0.cohort == "c2" && $0.status == .applied }, "\(history)")
        for change in history {
            #expect(change.threshold > (change.previous ?? 0) && change.threshold - (change.previous ?? 0) <= 0.02 + 1e-12)
            #expect(change.evidence?.contains("at_old_threshold") == true && change.method == "target_far:0.01")
        }
        let inForce = await state.thresholdsInForce
        let c2 = try #require(inForce[WindowID(model: "m", cohort: "c2")])
        #expect(c2 > 0.49 && inForce[WindowID(model: "m", cohort: "c1")] == 0.49 && inForce[WindowID(model: "m", cohort: "c3")] == 0.49)
        // Published: the file holds c2's threshold in force.
        let published = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let rows = try #require(published["thresholds"] as? [[String: Any]])
        #expect(rows.count == 1 && rows[0]["cohort"] as? String == "c2")
        #expect(abs((rows[0]["threshold"] as? Double ?? 0) - c2) < 1e-9, "\(rows) vs \(c2)")

        // A restart (as Daemon.init does) keeps the threshold in force before any new label.
        let restarted = MonitorState(config: config, store: store, logger: Self.logger)
        var restored: [WindowID: ThresholdState] = [:]
        for r in try await store.thresholdsInForce() {
            restored[WindowID(model: r.model, cohort: r.cohort)] = ThresholdState(threshold: r.threshold, version: r.version)
        }
        await restarted.restoreThresholds(restored)
        _ = await restarted.ingest(Self.events(10, shift: 0.1, from: fed, rng: &rng), sources: Array(repeating: nil, count: 30))
        #expect(await restarted.thresholdsInForce[WindowID(model: "m", cohort: "c2")] == c2)
        let round = await restarted.verificationRound(atMs: WallClock.nowMs())
        #expect(round.snapshots.first { $0.cohort == "c2" }?.threshold == c2)
    }
}

import Alerting
import StateStore
import DriftEstimators
import Foundation
import Logging
import Monitor
import Synchronization
import TwinwatchCore

/// What `twinwatch eval --stream` measures: one model whose cohorts come from different
/// distributions streams through the daemon's own state (`MonitorState`: auto-captured baseline,
/// sliding windows per cohort and the aggregate) and evaluator (`EvaluatorService`: per-cohort
/// references, re-split nulls in a real SQLite store) and alerting (`AlertCoordinator`: the drift
/// page rule with its disjoint windows), on a simulated clock: `rate` events per second, one evaluation round per `interval`.
/// A no-drift stream of `hours` gives the false pages and the expected time between them (ERT);
/// each drift scenario's streams give the delay from the drift's start to the first page.
public struct StreamEvaluation: Sendable {
    public var hours = 24.0
    /// Events per second of the model, all cohorts together (equal shares).
    public var rate = 100
    public var intervalSeconds = 10
    public var cohorts = 3
    public var dimension = 64
    public var seed: UInt64 = 1
    public var scenarios: [(DriftScenario, Double?)] = DriftScenario.allCases.filter { $0 != .none }.map { ($0, $0.defaultParameter) }
    /// Drift streams per scenario.
    public var trials = 10
    /// A drift stream without a page after this long counts as missed.
    public var maxDelaySeconds = 3600
    /// The daemon's configuration (defaults unless changed); evaluated on one thread.
    public var config: TwinwatchConfig
    /// The page rule's level: it fires when the combined p-value ≤ level on
    /// `config.drift.consecutiveWindows` disjoint windows (its `for` is 0: what is measured is the
    /// windows' evidence; a `for` adds its duration to every delay).
    public var level = 0.001

    public init() {
        config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["simulated"]), evaluation: EvaluationSettings(interval: .seconds(10), concurrency: 1))
    }

    /// The outcome: false pages on the no-drift stream and one row per drift scenario.
    public struct Report: Sendable, Codable {
        public let hours: Double
        public let rate: Int
        public let intervalSeconds: Int
        public let cohorts: Int
        public let d: Int
        public let window: Int
        public let level: Double
        public let consecutiveWindows: Int
        public let evaluations: Int
        public let falsePages: Int
        public let falsePagesPerDay: Double
        /// Simulated hours per false page; nil without any.
        public let ertHours: Double?
        /// With no false page: the 95 % lower bound of the ERT (rule of three: hours / 3).
        public let ertLowerBoundHours: Double
        public let rows: [EvalRow]

        enum CodingKeys: String, CodingKey {
            case hours, rate, intervalSeconds = "interval_s", cohorts, d, window, level, consecutiveWindows = "consecutive_windows", evaluations
            case falsePages = "false_pages", falsePagesPerDay = "false_pages_per_day", ertHours = "ert_hours", ertLowerBoundHours = "ert_lower_95_hours", rows
        }
    }

    static let model = "eval-model"

    /// Runs the no-drift stream, then every drift scenario; `progress(done, total)` in simulated seconds.
    public func run(progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> Report {
        var config = self.config
        config.store = StoreSettings(path: try TemporaryStore.path("eval-stream"))
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: config.store.path).deletingLastPathComponent().path) }
        let store = try TwinwatchStore(path: config.store.path)
        let mixtures = (0..<cohorts).map { EmbeddingMixture(dimension: dimension, seed: seed &+ UInt64($0) &* 7_777) }
        var rng = SplitMix64(seed: seed)
        let noDrift = Int(hours * 3600)
        let total = noDrift + scenarios.count * trials * maxDelaySeconds
        var done = 0

        // Capture, calibrate, then the no-drift stream: every page is a false page.
        config.alerting.rules = [AlertRule(name: "EmbeddingDrift", signal: .driftCombined, condition: .pValueBelow(level), severity: .page)]
        var stream = try await Stream(config: config, store: store, mixtures: mixtures, rate: rate, interval: intervalSeconds)
        try await stream.warmUp(rng: &rng)
        let (pages, evaluations) = try await stream.advance(seconds: noDrift, perturbation: nil, stopAtPage: false, rng: &rng) {
            progress(done + $0, total)
        }
        done += noDrift
        var rows: [EvalRow] = []
        for (scenario, parameter) in scenarios {
            var delays: [Double] = []
            for _ in 0..<trials {
                // A fresh daemon state on the same store: the baseline and its nulls are reused.
                var trial = try await Stream(config: config, store: store, mixtures: mixtures, rate: rate, interval: intervalSeconds)
                try await trial.fillWindows(rng: &rng)
                let drift = scenario.perturbation(parameter: parameter, mixture: mixtures[0], rng: &rng)
                let (page, _) = try await trial.advance(seconds: maxDelaySeconds, perturbation: drift, stopAtPage: true, rng: &rng) {
                    progress(done + $0, total)
                }
                done += maxDelaySeconds
                if let first = page.first { delays.append(Double(first)) }
            }
            let sorted = delays.sorted()
            rows.append(EvalRow(scenario: scenario.rawValue, param: parameter, window: config.window.size, baselineRows: config.baseline.captureRows,
                                d: dimension, trials: trials, alarms: delays.count, mode: "stream",
                                medianDelay: Self.quantile(sorted, 0.5), p90Delay: Self.quantile(sorted, 0.9)))
        }
        let days = hours / 24
        return Report(hours: hours, rate: rate, intervalSeconds: intervalSeconds, cohorts: cohorts, d: dimension, window: config.window.size,
                      level: level, consecutiveWindows: config.drift.consecutiveWindows, evaluations: evaluations,
                      falsePages: pages.count, falsePagesPerDay: Double(pages.count) / days,
                      ertHours: pages.isEmpty ? nil : hours / Double(pages.count), ertLowerBoundHours: hours / 3, rows: rows)
    }

    /// The q-quantile of ascending values (nearest rank); nil when empty.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        return sorted[Swift.min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
    }
}

/// One simulated daemon: its state, evaluator and clock.
struct Stream {
    let state: MonitorState
    let evaluator: EvaluatorService
    let evaluations: Evaluations
    let mixtures: [EmbeddingMixture]
    let rate: Int
    let interval: Int
    let windowSize: Int
    let clock = SimulatedClock()
    var sequence = 0

    init(config: TwinwatchConfig, store: TwinwatchStore, mixtures: [EmbeddingMixture], rate: Int, interval: Int) async throws {
        var logger = Logger(label: "twinwatch-eval")
        logger.logLevel = .error
        let evaluations = Evaluations()
        state = MonitorState(config: config, logger: logger)
        // Each stream starts with no alert state (a fresh daemon): its own alert tables would be
        // shared through the store, so alerting keeps state in a store of its own.
        let alertStore = try TwinwatchStore(path: try TemporaryStore.path("eval-alerts"))
        let alerts = try await AlertCoordinator(settings: config.alerting, defaultConsecutiveWindows: config.drift.consecutiveWindows,
                                                store: alertStore, logger: logger,
                                                observer: AlertingObserver(transitions: { evaluations.record($0) }))
        let clock = self.clock
        evaluator = EvaluatorService(state: state, store: store, config: config, alerts: alerts, metrics: DaemonMetrics(),
                                     logger: logger, clock: { clock.nowMs }, onEvaluation: { evaluations.record($0) })
        self.evaluations = evaluations
        self.mixtures = mixtures
        self.rate = rate
        self.interval = interval
        windowSize = config.window.size
        // Learns which models have a baseline (and starts auto-capture for the others).
        await evaluator.evaluateOnce()
    }

    /// Streams until the auto-captured baseline is stored and every window's null is calibrated,
    /// then one more window of fresh rows, so no window scored afterwards holds baseline rows.
    mutating func warmUp(rng: inout SplitMix64) async throws {
        while await state.modelsWithBaseline == 0 {
            try await step(perturbation: nil, rng: &rng)
        }
        try await fillWindows(rng: &rng)
    }

    /// Streams one window's worth of rows of every cohort, waiting for pending null calibrations.
    mutating func fillWindows(rng: inout SplitMix64) async throws {
        let perCohort = Double(rate) / Double(mixtures.count) * Double(interval)
        let steps = Int((Double(windowSize) / perCohort).rounded(.up))
        for _ in 0..<steps { try await step(perturbation: nil, rng: &rng) }
        // Calibrations run in the background: wait for them without advancing the clock.
        while await state.windowsAwaitingEvaluation() > 0 {
            try await Task.sleep(for: .milliseconds(100))
            await evaluator.evaluateOnce()
        }
        evaluations.reset()
    }

    /// Advances the clock by `seconds` in evaluation intervals; returns the seconds (from the start
    /// of this call) at which a page fired, and the evaluations made.
    mutating func advance(seconds: Int, perturbation: DriftScenario.Perturbation?, stopAtPage: Bool, rng: inout SplitMix64,
                          progress: (Int) -> Void) async throws -> ([Int], Int) {
        var pages: [Int] = []
        var elapsed = 0
        while elapsed < seconds {
            try await step(perturbation: perturbation, rng: &rng)
            elapsed += interval
            let fired = evaluations.takeFired()
            if fired > 0 {
                pages += Array(repeating: elapsed, count: fired)
                if stopAtPage { break }
            }
            if elapsed % 3600 == 0 || elapsed >= seconds { progress(elapsed) }
        }
        return (pages, evaluations.count)
    }

    /// One interval: `rate × interval` events, the cohorts interleaved (one event of each in turn,
    /// as concurrent traffic arrives), then one evaluation round.
    mutating func step(perturbation: DriftScenario.Perturbation?, rng: inout SplitMix64) async throws {
        let events = rate * interval
        let rows = mixtures.enumerated().map { c, mixture in
            let sample = mixture.sample(events / mixtures.count + (c < events % mixtures.count ? 1 : 0), rng: &rng)
            return perturbation.map { $0.apply(to: sample, rng: &rng) } ?? sample
        }
        var batch: [InferenceEvent] = []
        batch.reserveCapacity(events)
        for i in 0..<(rows.map(\.rows).max() ?? 0) {
            for (c, cohort) in rows.enumerated() where i < cohort.rows {
                let ts = clock.nowMs + Int64(batch.count * interval * 1000 / events)
                batch.append(InferenceEvent(eventID: "e\(sequence)", timestampMs: ts, model: StreamEvaluation.model, cohort: "c\(c)",
                                            embedding: Array(cohort.values[i * cohort.cols..<(i + 1) * cohort.cols])))
                sequence += 1
            }
        }
        _ = await state.ingest(batch, sources: Array(repeating: nil, count: batch.count))
        await state.completeBatch(offsets: [:])
        clock.advance(ms: Int64(interval * 1000))
        await evaluator.evaluateOnce()
    }
}

/// Counts evaluations and pages reported by the evaluator's callback.
final class Evaluations: Sendable {
    private let counts = Mutex<(evaluations: Int, fired: Int)>((0, 0))

    func record(_ e: DriftEvaluation) { counts.withLock { $0.evaluations += 1 } }

    func record(_ transitions: [AlertTransition]) {
        let fired = transitions.filter { $0.kind == .firing }.count
        counts.withLock { $0.fired += fired }
    }

    var count: Int { counts.withLock { $0.evaluations } }

    func takeFired() -> Int { counts.withLock { c in defer { c.fired = 0 }; return c.fired } }

    func reset() { counts.withLock { $0 = (0, 0) } }
}

/// The stream's time: starts 2026-01-01, advanced one evaluation interval per step.
final class SimulatedClock: Sendable {
    private let ms = Mutex<Int64>(1_767_225_600_000)

    var nowMs: Int64 { ms.withLock { $0 } }

    func advance(ms delta: Int64) { ms.withLock { $0 += delta } }
}

import DriftEstimators
import Foundation

/// What `twinwatch eval` measures per evaluation: independent windows of each scenario scored by
/// the daemon's estimators against a baseline of `ratio`·m rows with its re-split null, and by an
/// Evidently-style fixed threshold, over a grid of window sizes, baseline ratios and dimensions.
public struct BatchEvaluation: Sendable {
    public var scenarios: [(DriftScenario, Double?)] = DriftScenario.allCases.map { ($0, $0.defaultParameter) }
    public var windows = [50, 100, 500, 2000, 10000]
    public var baselineRatios = [4, 8, 20]
    public var trials = 200
    public var dimensions = [64, 256]
    public var seed: UInt64 = 1
    /// B of every null calibration (one per grid point, reused by every trial and scenario).
    public var resamples = 200
    /// Per-evaluation level of the combined (BH) p-value.
    public var level = 0.01
    public var configuration: DriftConfiguration
    public var threads = 1

    public init(configuration: DriftConfiguration) { self.configuration = configuration }

    /// One grid point (d, m, ratio).
    public struct GridPoint: Sendable, Hashable {
        public let dimension: Int
        public let window: Int
        public let ratio: Int
    }

    public var grid: [GridPoint] {
        dimensions.flatMap { d in windows.flatMap { m in baselineRatios.map { GridPoint(dimension: d, window: m, ratio: $0) } } }
    }

    /// Every row of the grid, calibrated and fixed mode; `progress(done, total)` after each trial,
    /// `timing` after each grid point.
    public func run(progress: (Int, Int) -> Void = { _, _ in }, timing: (PointTiming) -> Void = { _ in }) throws -> [EvalRow] {
        let total = grid.count * scenarios.count * trials
        var done = 0
        var rows: [EvalRow] = []
        for point in grid {
            rows += try run(point, afterTrial: { done += 1; progress(done, total) }, timing: timing)
        }
        return rows
    }

    /// Where one grid point's time went: drawing the baseline and calibrating its null, then the
    /// trials (drawing, perturbing and scoring `trials` × scenarios windows).
    public struct PointTiming: Sendable {
        public let point: GridPoint
        public let nullSeconds: Double
        public let trialSeconds: Double
        public let evaluations: Int
    }

    /// The rows of one grid point; `timing` receives where its time went.
    public func run(_ point: GridPoint, afterTrial: () -> Void = {}, timing: (PointTiming) -> Void = { _ in }) throws -> [EvalRow] {
        let (d, m) = (point.dimension, point.window)
        let n = point.ratio * m
        let started = ContinuousClock.now
        let mixture = EmbeddingMixture(dimension: d, seed: seed)
        var rng = SplitMix64(seed: seed &+ UInt64(d) &* 1_000_003 &+ UInt64(m) &* 7_919 &+ UInt64(point.ratio))
        let baseline = mixture.sample(n, rng: &rng)
        let null = try NullCalibration.calibrate(baseline: baseline, windowSize: m, configuration: configuration, resamples: resamples,
                                                 seed: rng.next(), threads: threads)
        let reference = try BaselineSummary(baseline: BaselineSplit(baseline, windowSize: m, seed: rng.next()).reference,
                                            configuration: configuration)
        let nullReady = ContinuousClock.now
        // Every scenario perturbs the same fresh windows (a paired comparison; drawing a window
        // costs about as much as scoring it).
        var calibrated = [Int](repeating: 0, count: scenarios.count), fixed = calibrated
        for _ in 0..<trials {
            let fresh = mixture.sample(m, rng: &rng)
            for (s, (scenario, parameter)) in scenarios.enumerated() {
                let scores = try reference.evaluate(scenario.apply(to: fresh, parameter: parameter, mixture: mixture, rng: &rng))
                if null.assess(scores).combinedP <= level { calibrated[s] += 1 }
                if FixedThresholdRule.evidentlyDefault.alarms(scores) { fixed[s] += 1 }
                afterTrial()
            }
        }
        timing(PointTiming(point: point, nullSeconds: (nullReady - started) / .seconds(1), trialSeconds: (ContinuousClock.now - nullReady) / .seconds(1),
                           evaluations: trials * scenarios.count))
        return scenarios.enumerated().flatMap { s, item in
            [("calibrated", calibrated[s]), ("fixed", fixed[s])].map { mode, alarms in
                EvalRow(scenario: item.0.rawValue, param: item.1, window: m, baselineRows: n, d: d, trials: trials, alarms: alarms, mode: mode)
            }
        }
    }
}

/// The fixed-threshold mode of tools like Evidently: a dimension drifts when its W1 divided by
/// the reference's standard deviation exceeds `perDimension`; the window when the share of such
/// dimensions exceeds `share`.
public struct FixedThresholdRule: Sendable {
    public let perDimension: Double
    public let share: Double

    public static let evidentlyDefault = FixedThresholdRule(perDimension: 0.1, share: 0.2)

    public func alarms(_ scores: DriftScores) -> Bool {
        guard let w1 = scores.w1, !w1.normalized.isEmpty else { return false }
        let drifted = w1.normalized.filter { $0 > perDimension }.count
        return Double(drifted) / Double(w1.normalized.count) > share
    }
}

/// One line of `twinwatch eval`'s output (`--json` keys as issue #12 / README specify).
public struct EvalRow: Sendable, Codable, Equatable {
    public let scenario: String
    public let param: Double?
    public let window: Int
    public let baselineRows: Int
    public let d: Int
    public let trials: Int
    public let alarms: Int
    public let rate: Double
    public let ciLow: Double
    public let ciHigh: Double
    /// Evaluations (stream mode) from the drift's start to the first page; nil in batch mode.
    public let medianDelay: Double?
    public let p90Delay: Double?
    public let mode: String

    public init(scenario: String, param: Double?, window: Int, baselineRows: Int, d: Int, trials: Int, alarms: Int, mode: String,
                medianDelay: Double? = nil, p90Delay: Double? = nil) {
        self.scenario = scenario
        self.param = param
        self.window = window
        self.baselineRows = baselineRows
        self.d = d
        self.trials = trials
        self.alarms = alarms
        rate = trials > 0 ? Double(alarms) / Double(trials) : 0
        (ciLow, ciHigh) = Wilson.interval(successes: alarms, trials: trials)
        self.medianDelay = medianDelay
        self.p90Delay = p90Delay
        self.mode = mode
    }

    enum CodingKeys: String, CodingKey {
        case scenario, param, window, baselineRows = "baseline_rows", d, trials, alarms, rate, ciLow = "ci_low", ciHigh = "ci_high"
        case medianDelay = "median_delay", p90Delay = "p90_delay", mode
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(param, forKey: .param)  // null for `none`, as the other nullable keys
        try c.encode(window, forKey: .window)
        try c.encode(baselineRows, forKey: .baselineRows)
        try c.encode(d, forKey: .d)
        try c.encode(trials, forKey: .trials)
        try c.encode(alarms, forKey: .alarms)
        try c.encode(rate, forKey: .rate)
        try c.encode(ciLow, forKey: .ciLow)
        try c.encode(ciHigh, forKey: .ciHigh)
        try c.encode(medianDelay, forKey: .medianDelay)
        try c.encode(p90Delay, forKey: .p90Delay)
        try c.encode(mode, forKey: .mode)
    }
}

/// The Wilson score interval for a binomial proportion.
public enum Wilson {
    /// 95 % interval (z = 1.959964) for `successes` of `trials`; (0, 1) without trials.
    public static func interval(successes k: Int, trials n: Int, z: Double = 1.959_963_984_540_054) -> (Double, Double) {
        guard n > 0 else { return (0, 1) }
        let nn = Double(n), p = Double(k) / nn, z2 = z * z
        let centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
        let half = z / (1 + z2 / nn) * (p * (1 - p) / nn + z2 / (4 * nn * nn)).squareRoot()
        return (Swift.max(0, centre - half), Swift.min(1, centre + half))
    }
}

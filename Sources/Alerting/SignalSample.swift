import TwinwatchCore

/// One observation of a signal for one label set (a window's drift p-value, a cohort's FAR, the
/// process's rejected rate), handed to the rule engine by the evaluator.
public struct SignalSample: Sendable, Equatable {
    public var signal: AlertSignal
    /// `model`, `cohort` for per-window signals; empty for process-wide ones.
    public var labels: [String: String]
    public var value: Double
    public var pValue: Double?
    public var z: Double?
    /// The same quantity on the active baseline.
    public var baseline: Double?
    /// Confidence interval of `value`.
    public var interval: ClosedRange<Double>?
    /// The window the sample was computed on (drift signals): stream position of its newest row
    /// and its rows, so consecutive breaches can be counted on disjoint windows.
    public var window: WindowSpan?

    public init(signal: AlertSignal, labels: [String: String], value: Double, pValue: Double? = nil, z: Double? = nil,
                baseline: Double? = nil, interval: ClosedRange<Double>? = nil, window: WindowSpan? = nil) {
        self.signal = signal
        self.labels = labels
        self.value = value
        self.pValue = pValue
        self.z = z
        self.baseline = baseline
        self.interval = interval
        self.window = window
    }

    /// Whether this sample meets `condition`; false when it lacks what the condition compares.
    public func meets(_ condition: AlertCondition) -> Bool {
        switch condition {
        case .above(let x): value > x
        case .below(let x): value < x
        case .pValueBelow(let x): pValue.map { $0 <= x } ?? false
        case .zAbove(let x): z.map { $0 > x } ?? false
        case .ratioToBaselineAbove(let x): ratio.map { $0 > x } ?? false
        case .ratioToBaselineBelow(let x): ratio.map { $0 < x } ?? false
        case .changeFromBaselineAbove(let x): ratio.map { abs($0 - 1) > x } ?? false
        case .ciLowerAbove(let x): interval.map { $0.lowerBound > x } ?? false
        case .ciUpperBelow(let x): interval.map { $0.upperBound < x } ?? false
        }
    }

    /// value / baseline, when the baseline is known and not zero.
    public var ratio: Double? {
        guard let baseline, baseline != 0, baseline.isFinite else { return nil }
        return value / baseline
    }
}

/// The rows a windowed sample covers: the stream position of the newest row and the row count.
public struct WindowSpan: Sendable, Equatable, Codable {
    public var end: Int64
    public var rows: Int

    public init(end: Int64, rows: Int) {
        self.end = end
        self.rows = rows
    }
}

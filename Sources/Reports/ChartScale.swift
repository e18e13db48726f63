import Foundation

/// Maps data values on one axis to pixel positions, and chooses the axis's ticks and their labels:
/// linear ("nice" steps of 1, 2, 5 × 10ᵏ), log10 (one tick per decade), or time (UTC calendar steps).
struct ChartScale {
    /// How values map to positions.
    enum Kind: Equatable {
        case linear
        /// Positions by log10 of the value; values ≤ 0 sit at the bottom of the domain.
        case log10
        /// Epoch milliseconds, linear, with UTC ticks.
        case time
    }

    /// One tick: where and what it says.
    struct Tick: Equatable {
        let value: Double
        let label: String
    }

    let kind: Kind
    /// Domain ends in data units (for `log10`: powers of ten).
    let lower: Double
    let upper: Double
    /// Pixel positions of `lower` and `upper` (for a y axis `from` is the bottom).
    let from: Double
    let to: Double
    let ticks: [Tick]

    /// A scale covering `values` (non-finite ignored; for `log10` also non-positive), extended to
    /// round tick values (for `log10` with a decade of room below the smallest value, so a level line
    /// never sits on the axis). On a linear axis `includeZero` anchors it at 0 (bars, rates), `padding`
    /// (a fraction of the span) keeps lines off the frame, and `limits` bounds it (rates in 0…100 %).
    init(_ kind: Kind, covering values: [Double], from: Double, to: Double, includeZero: Bool = false, padding: Double = 0,
         limits: ClosedRange<Double>? = nil, maxTicks: Int = 6) {
        self.kind = kind
        self.from = from
        self.to = to
        switch kind {
        case .linear:
            var finite = values.filter(\.isFinite)
            if includeZero { finite.append(0) }
            var lo = finite.min() ?? 0, hi = finite.max() ?? 1
            let pad = (hi - lo) * padding
            lo = includeZero && lo >= 0 ? lo : lo - pad
            hi += pad
            if let limits {
                lo = min(max(lo, limits.lowerBound), limits.upperBound)
                hi = min(max(hi, limits.lowerBound), limits.upperBound)
            }
            (lower, upper, ticks) = Self.linearTicks(lo, hi, maxTicks: maxTicks)
        case .log10:
            let positive = values.filter { $0.isFinite && $0 > 0 }
            (lower, upper, ticks) = Self.decadeTicks(positive.min() ?? 0.1, positive.max() ?? 1, maxTicks: maxTicks)
        case .time:
            let finite = values.filter(\.isFinite)
            (lower, upper, ticks) = Self.timeTicks(finite.min() ?? 0, finite.max() ?? 0, maxTicks: maxTicks)
        }
    }

    /// The longest tick label, in characters (for the margin the labels need).
    var widestLabel: Int { ticks.map(\.label.count).max() ?? 0 }

    /// The pixel position of `value`, clamped to the axis so nothing is drawn outside the plot.
    func position(_ value: Double) -> Double {
        let t: Double
        switch kind {
        case .linear, .time:
            t = (value - lower) / (upper - lower)
        case .log10:
            let v = value > 0 ? Foundation.log10(value) : -Double.infinity
            t = (v - Foundation.log10(lower)) / (Foundation.log10(upper) - Foundation.log10(lower))
        }
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        return from + (to - from) * clamped
    }

    // MARK: - Tick choice

    /// The smallest 1, 2, 5 × 10ᵏ step giving at most `maxTicks` intervals over the span.
    static func niceStep(_ span: Double, maxTicks: Int) -> Double {
        let raw = span / Double(max(maxTicks, 1))
        let magnitude = pow(10, floor(Foundation.log10(raw)))
        for m in [1.0, 2, 5, 10] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }

    private static func linearTicks(_ lo: Double, _ hi: Double, maxTicks: Int) -> (Double, Double, [Tick]) {
        var lo = lo, hi = hi
        if hi - lo <= abs(hi) * 1e-12 {  // one value: give it room
            let pad = hi == 0 ? 1 : abs(hi) * 0.1
            lo -= pad
            hi += pad
        }
        let step = niceStep(hi - lo, maxTicks: maxTicks)
        let first = floor(lo / step + 1e-9), last = ceil(hi / step - 1e-9)
        let decimals = max(0, -Int(floor(Foundation.log10(step) + 1e-9)))
        let ticks = stride(from: first, through: last, by: 1).map { k -> Tick in
            let v = k * step
            return Tick(value: v, label: ReportFormat.fixed(v == 0 ? 0 : v, decimals))
        }
        return (first * step, last * step, ticks)
    }

    private static func decadeTicks(_ lo: Double, _ hi: Double, maxTicks: Int) -> (Double, Double, [Tick]) {
        var a = Int(ceil(Foundation.log10(lo) - 1e-9)) - 1, b = Int(ceil(Foundation.log10(hi) - 1e-9))
        a = max(a, -300)
        if b <= a { b = a + 1 }
        let every = (b - a + maxTicks - 1) / maxTicks
        let ticks = stride(from: b, through: a, by: -every).reversed().map { e -> Tick in
            Tick(value: pow(10, Double(e)), label: decadeLabel(e))
        }
        return (pow(10, Double(a)), pow(10, Double(b)), ticks)
    }

    /// 10^e as a reader writes it: "1", "0.01", "1e-5", "1000", "1e6".
    static func decadeLabel(_ e: Int) -> String {
        switch e {
        case 0...5: "1" + String(repeating: "0", count: e)
        case -4 ..< 0: "0." + String(repeating: "0", count: -e - 1) + "1"
        default: "1e\(e)"
        }
    }

    /// Calendar steps a time axis may use, in milliseconds.
    private static let timeSteps: [Int64] = {
        let seconds: [Int64] = [1, 5, 10, 15, 30]
        let minutes: [Int64] = [60, 300, 600, 900, 1800]
        let hours: [Int64] = [3600, 7200, 10_800, 21_600, 43_200]
        let days: [Int64] = [86_400, 172_800, 604_800, 1_209_600, 2_419_200]
        return (seconds + minutes + hours + days).map { $0 * 1000 }
    }()

    private static func timeTicks(_ lo: Double, _ hi: Double, maxTicks: Int) -> (Double, Double, [Tick]) {
        var lo = lo, hi = hi
        if hi <= lo {
            lo -= 30_000
            hi += 30_000
        }
        let span = hi - lo
        let perTick = span / Double(maxTicks)
        let days = Int64((perTick / 86_400_000).rounded(.up))
        let step = timeSteps.first { Double($0) >= perTick } ?? days * 86_400_000
        // Ticks on multiples of the step since the epoch: midnight UTC for day steps, whole hours, ….
        // Weekly steps start on the first midnight instead: epoch multiples of 7 days fall on Thursdays.
        let align = step > 86_400_000 ? Int64(86_400_000) : step
        var t = Int64(ceil(lo / Double(align))) * align
        var ticks: [Tick] = []
        let showDate = step >= 86_400_000 || span > 86_400_000
        let showSeconds = step < 60_000
        while Double(t) <= hi {
            let c = UTCTime(ms: t)
            let date = "\(ReportFormat.pad2(c.month))-\(ReportFormat.pad2(c.day))"
            let clock = "\(ReportFormat.pad2(c.hour)):\(ReportFormat.pad2(c.minute))" + (showSeconds ? ":\(ReportFormat.pad2(c.second))" : "")
            let label = step >= 86_400_000 ? date : (showDate && (c.hour == 0 && c.minute == 0 || ticks.isEmpty) ? "\(date) \(clock)" : clock)
            ticks.append(Tick(value: Double(t), label: label))
            t += step
        }
        return (lo, hi, ticks)
    }
}

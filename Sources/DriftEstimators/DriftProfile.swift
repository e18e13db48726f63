import TwinwatchCore

/// What a model owner looks at beside a window's scores: the per-dimension W1 vector and the
/// baseline-vs-window histograms of the most drifted dimensions and sliced projections.
public struct DriftProfile: Sendable, Codable, Equatable {
    /// One direction's distributions on shared bins.
    public struct Histogram: Sendable, Codable, Equatable {
        /// `dimension j` or `projection l`.
        public var label: String
        /// W1 between baseline and window along this direction, in embedding units.
        public var w1: Double
        /// Bin edges, ascending, one more than the counts; values beyond them count in the end bins.
        public var edges: [Double]
        public var baseline: [Int]
        public var current: [Int]

        public init(label: String, w1: Double, edges: [Double], baseline: [Int], current: [Int]) {
            self.label = label
            self.w1 = w1
            self.edges = edges
            self.baseline = baseline
            self.current = current
        }
    }

    /// W1_j per dimension: in baseline standard deviations when `normalized`, else embedding units.
    public var dimensionW1: [Double]
    public var normalized: Bool
    /// The most drifted dimensions first, then the most drifted projections.
    public var histograms: [Histogram]

    public init(dimensionW1: [Double], normalized: Bool, histograms: [Histogram]) {
        self.dimensionW1 = dimensionW1
        self.normalized = normalized
        self.histograms = histograms
    }
}

extension BaselineSummary {
    /// The profile of `window` (already scored as `scores`): its per-dimension W1 and histograms of
    /// the `top` dimensions with the largest normalised W1 and of the `top` projections with the
    /// largest W1. Needs the baseline's sorted columns (and its projections for the projection
    /// histograms); nil without sorted columns.
    public func profile(_ window: Matrix, scores: DriftScores, top: Int = 3, bins: Int = 30) -> DriftProfile? {
        guard let sorted = sortedColumns, window.rows > 0, window.cols == dimensions else { return nil }
        let w1 = scores.w1 ?? Wasserstein.perDimensionW1(baseline: sorted, currentSortedColumnMajor: Numerics.sortedColumns(window), rows: window.rows)
        let normalized = !w1.normalized.isEmpty
        let vector = normalized ? w1.normalized : w1.vector
        var histograms: [DriftProfile.Histogram] = []
        for j in Self.largest(vector, top) {
            var column = (0..<window.rows).map { Double(window.values[$0 * window.cols + j]) }
            column.sort()
            histograms.append(Self.histogram("dimension \(j)", w1: w1.vector[j], baseline: sorted.columns[j], current: column, bins: bins))
        }
        if let theta = projectionMatrix, let reference = projected {
            let l = configuration.projections, m = window.rows
            var p = SlicedWasserstein.project(window, theta: theta, projections: l)
            Numerics.sortSegments(&p, count: l, length: m)
            let base = (0..<l).map { Array(reference.sorted[($0 * reference.rows)..<(($0 + 1) * reference.rows)]) }
            let current = (0..<l).map { Array(p[($0 * m)..<(($0 + 1) * m)]) }
            let distances = (0..<l).map { Wasserstein.w1Sorted(base[$0], current[$0]) }
            for k in Self.largest(distances, top) {
                histograms.append(Self.histogram("projection \(k)", w1: distances[k], baseline: base[k], current: current[k], bins: bins))
            }
        }
        return DriftProfile(dimensionW1: vector, normalized: normalized, histograms: histograms)
    }

    /// Indexes of the `k` largest finite values, largest first (ties: lower index).
    static func largest(_ values: [Double], _ k: Int) -> [Int] {
        Array(values.indices.filter { values[$0].isFinite }.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }.prefix(k))
    }

    /// Equal-width bins over the 0.5 %–99.5 % quantile range of both sorted samples together; rows
    /// beyond it count in the end bins, so one outlier cannot squeeze the picture.
    static func histogram(_ label: String, w1: Double, baseline: [Double], current: [Double], bins: Int) -> DriftProfile.Histogram {
        func quantile(_ s: [Double], _ q: Double) -> Double { s[min(s.count - 1, Int(q * Double(s.count - 1)))] }
        var lo = min(quantile(baseline, 0.005), quantile(current, 0.005))
        var hi = max(quantile(baseline, 0.995), quantile(current, 0.995))
        if !(hi > lo) { (lo, hi) = (lo - 0.5, lo + 0.5) }
        let width = (hi - lo) / Double(bins)
        let edges = (0...bins).map { lo + Double($0) * width }
        func counts(_ s: [Double]) -> [Int] {
            var c = [Int](repeating: 0, count: bins)
            for x in s where x.isFinite { c[min(bins - 1, max(0, Int((x - lo) / width)))] += 1 }
            return c
        }
        return DriftProfile.Histogram(label: label, w1: w1, edges: edges, baseline: counts(baseline), current: counts(current))
    }
}

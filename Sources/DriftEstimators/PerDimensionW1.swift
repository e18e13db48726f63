import Foundation

/// Per-dimension 1-Wasserstein distances between two samples (DESIGN §5.1).
public struct PerDimensionW1: Sendable, Equatable, Codable {
    /// W1 of each column.
    public let vector: [Double]
    /// W1_j / std_ref_j (ddof 0), Evidently's normalisation; empty when the baseline std is unknown.
    /// A constant baseline column (std 0) is defined as 0 if W1_j = 0 and W1_j / 1e-12 otherwise,
    /// so the value stays finite and still flags any change.
    public let normalized: [Double]

    /// Wraps per-column W1 values (and their normalised form, if known).
    public init(vector: [Double], normalized: [Double] = []) {
        self.vector = vector
        self.normalized = normalized
    }

    public var mean: Double { vector.reduce(0, +) / Double(vector.count) }
    public var max: Double { vector.max() ?? 0 }
    /// First index of the maximum (numpy `argmax` semantics).
    public var argmax: Int { Wasserstein.firstArgmax(vector) }
}

/// Each column of a matrix, widened to `Double` and sorted: the reusable form of a baseline.
public struct SortedColumns: Sendable, Codable {
    public let rows: Int
    /// `columns[j]` is column j in ascending order.
    public let columns: [[Double]]
    /// Population standard deviation (ddof 0) of each column, for the normalised W1.
    public let standardDeviations: [Double]

    /// Sorts every column of `matrix` (radix sort in release builds).
    public init(_ matrix: Matrix) {
        self.init(sortedColumnMajor: Numerics.sortedColumns(matrix), rows: matrix.rows, cols: matrix.cols)
    }

    /// From column-major data already sorted per column (`cols` contiguous runs of `rows`).
    init(sortedColumnMajor data: [Double], rows: Int, cols: Int) {
        self.rows = rows
        columns = (0..<cols).map { Array(data[($0 * rows)..<(($0 + 1) * rows)]) }
        standardDeviations = columns.map { col in
            guard !col.isEmpty else { return 0 }
            let mean = col.reduce(0, +) / Double(col.count)
            let ss = col.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return (ss / Double(col.count)).squareRoot()
        }
    }
}

/// One-dimensional Wasserstein distances between empirical distributions.
public enum Wasserstein {
    /// W1 per column of `baseline` and `current` (sort-merge, Float64 accumulation).
    public static func perDimensionW1(baseline: SortedColumns, current: Matrix) throws(EstimatorError) -> PerDimensionW1 {
        guard baseline.columns.count == current.cols else {
            throw EstimatorError(.shapeMismatch, "baseline has \(baseline.columns.count) dimensions, current has \(current.cols)")
        }
        guard baseline.rows >= 1, current.rows >= 1 else {
            throw EstimatorError(.tooFewRows, "W1 needs at least one row on each side")
        }
        try current.requireFinite("current")
        let data = Numerics.sortedColumns(current)
        return perDimensionW1(baseline: baseline, currentSortedColumnMajor: data, rows: current.rows)
    }

    /// Same with the current sample already sorted per column (column-major).
    static func perDimensionW1(baseline: SortedColumns, currentSortedColumnMajor data: [Double], rows m: Int) -> PerDimensionW1 {
        let d = baseline.columns.count
        var vector = [Double](repeating: 0, count: d)
        data.withUnsafeBufferPointer { cur in
            for j in 0..<d {
                vector[j] = baseline.columns[j].withUnsafeBufferPointer { base in
                    w1Sorted(base, UnsafeBufferPointer(rebasing: cur[(j * m)..<((j + 1) * m)]))
                }
            }
        }
        let normalized = (0..<d).map { j -> Double in
            let s = baseline.standardDeviations.count == d ? baseline.standardDeviations[j] : 0
            if s > 0 { return vector[j] / s }
            return vector[j] == 0 ? 0 : vector[j] / 1e-12
        }
        return PerDimensionW1(vector: vector, normalized: normalized)
    }

    /// W1 between two 1-D empirical distributions given sorted: ∫|F_u − F_v|.
    public static func w1Sorted(_ u: [Double], _ v: [Double]) -> Double {
        u.withUnsafeBufferPointer { pu in v.withUnsafeBufferPointer { pv in w1Sorted(pu, pv) } }
    }

    /// Pointer form of `w1Sorted` (the hot loop; scipy's `wasserstein_distance` algorithm).
    static func w1Sorted(_ u: UnsafeBufferPointer<Double>, _ v: UnsafeBufferPointer<Double>) -> Double {
        let n = u.count, m = v.count
        guard n > 0, m > 0 else { return 0 }
        // Equal sizes: ∫|F_u − F_v| = ∫|F_u⁻¹ − F_v⁻¹| = mean |u_(i) − v_(i)|, a branch-free loop.
        if n == m { return w1AndW2SquaredSorted(u, v).0 }
        let invN = 1.0 / Double(n), invM = 1.0 / Double(m)
        var i = 0, j = 0
        var previous = Swift.min(u[0], v[0])
        var area = 0.0
        while i < n || j < m {
            let takeU = j == m || (i < n && u[i] <= v[j])
            let x = takeU ? u[i] : v[j]
            area += abs(Double(i) * invN - Double(j) * invM) * (x - previous)
            previous = x
            if takeU { i += 1 } else { j += 1 }
        }
        return area
    }

    /// W_p^p between sorted 1-D samples of any sizes: ∫₀¹ |F_u⁻¹(q) − F_v⁻¹(q)|^p dq over the merged
    /// quantile grid {i/n} ∪ {j/m} (POT `wasserstein_1d` with uniform weights). `p` is 1 or 2 in practice.
    static func wpPowerSorted(_ u: UnsafeBufferPointer<Double>, _ v: UnsafeBufferPointer<Double>, p: Int) -> Double {
        let (w1, w2) = w1AndW2SquaredSorted(u, v)
        if p == 1 { return w1 }
        if p == 2 { return w2 }
        return quantileIntegral(u, v) { pow($0, Double(p)) }
    }

    /// W1 and W2² in one pass over the merged quantile grid (the sliced-W hot loop).
    static func w1AndW2SquaredSorted(_ u: UnsafeBufferPointer<Double>, _ v: UnsafeBufferPointer<Double>) -> (Double, Double) {
        let n = u.count, m = v.count
        guard n > 0, m > 0 else { return (0, 0) }
        if n == m {
            // Equal sizes: every step has weight 1/n.
            var a = 0.0, b = 0.0
            for i in 0..<n { let t = abs(u[i] - v[i]); a += t; b += t * t }
            return (a / Double(n), b / Double(n))
        }
        var i = 0, j = 0
        var q = 0.0, a = 0.0, b = 0.0
        let dn = Double(n), dm = Double(m)
        while i < n && j < m {
            // Compare the next breakpoints (i+1)/n and (j+1)/m exactly, in integers.
            let x = (i + 1) * m, y = (j + 1) * n
            let next = x <= y ? Double(i + 1) / dn : Double(j + 1) / dm
            let t = abs(u[i] - v[j]), w = next - q
            a += w * t
            b += w * t * t
            q = next
            if x <= y { i += 1 }
            if y <= x { j += 1 }
        }
        return (a, b)
    }

    /// ∫₀¹ f(|F_u⁻¹ − F_v⁻¹|) dq for a general cost `f`.
    static func quantileIntegral(_ u: UnsafeBufferPointer<Double>, _ v: UnsafeBufferPointer<Double>, _ f: (Double) -> Double) -> Double {
        let n = u.count, m = v.count
        var i = 0, j = 0
        var q = 0.0, acc = 0.0
        while i < n && j < m {
            let x = (i + 1) * m, y = (j + 1) * n
            let next = x <= y ? Double(i + 1) / Double(n) : Double(j + 1) / Double(m)
            acc += (next - q) * f(abs(u[i] - v[j]))
            q = next
            if x <= y { i += 1 }
            if y <= x { j += 1 }
        }
        return acc
    }

    /// Index of the first maximum (ties → lowest index, like numpy).
    public static func firstArgmax(_ v: [Double]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }
}

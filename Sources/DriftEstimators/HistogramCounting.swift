import COpenBLAS

/// Counting a window into a reference's bins straight from its row-major Float rows: no transposed
/// or widened copy, and for projections no Double projection at all.
extension HistogramReference {
    /// Bin counts of a row-major Float matrix (same columns); the d×B count table stays in cache
    /// while the rows stream through. Constant baseline columns are recounted afterwards, which
    /// keeps a per-value branch on the column out of the loop.
    func counts(ofRowMajor m: Matrix) -> [Int] {
        let d = columns, fb = Double(bins), bins = bins
        let widths = (0..<d).map { hi[$0] - lo[$0] }
        let scales = (0..<d).map { widths[$0] > 0 ? fb / widths[$0] : 0 }
        var table = [Int32](repeating: 0, count: d * bins)
        do {
            // Spans read without bounds checks (`unchecked`): every index is below rows·d or d·B by construction.
            let x = m.values.span, lo = self.lo.span, width = widths.span, scale = scales.span
            var c = table.mutableSpan
            for r in 0..<m.rows {
                for j in 0..<d {
                    let v = Double(x[unchecked: r &* d &+ j]) - lo[unchecked: j], w = width[unchecked: j]
                    let k = Self.bin(v * scale[unchecked: j], bins: bins, fb: fb, tolerance: Self.exactTolerance) {
                        Self.exactBin(v, width: w, bins: bins)
                    }
                    c[unchecked: j &* bins &+ k] &+= 1
                }
            }
            for j in 0..<d where !(width[j] > 0) {
                for k in 0..<bins { c[j * bins + k] = 0 }
                for r in 0..<m.rows { c[j * bins + (Double(x[r * d + j]) == lo[j] ? 0 : bins - 1)] &+= 1 }
            }
        }
        return table.map { Int($0) }
    }

    /// Bin counts of the window's projections on Θ (L×d row-major, Θ's rows being this reference's
    /// columns), without computing them in Double.
    ///
    /// `sgemm` gives each projection to within margin·‖x‖ (Θ's rows are unit vectors; the margin
    /// covers rounding Θ and the rows to Float and the Float dot product, see `KNNSearch.margin`).
    /// A value whose whole error interval falls in one bin is counted there; the few next to an edge
    /// (≈ 0.5 % at d = 256) are projected again in Double and binned as `count(columnMajor:)` would.
    func counts(ofProjectionsOf m: Matrix, theta: [Double]) -> [Int] {
        let d = m.cols, l = columns, fb = Double(bins), bins = bins
        let thetaFloats = theta.map { Float($0) }
        let margin = KNNSearch.margin(dimensions: d)
        let blockRows = Swift.min(Self.projectionBlockRows, m.rows)
        var projected = [Float](repeating: 0, count: l * blockRows)
        var tolerance = [Double](repeating: 0, count: blockRows)
        var table = [Int32](repeating: 0, count: l * bins)
        var r0 = 0
        while r0 < m.rows {
            let b = Swift.min(blockRows, m.rows - r0)
            // projected[j·b + r] = θ_j · x_(r0+r), one contiguous run per projection.
            m.values.withUnsafeBufferPointer { x in
                let rows = x.baseAddress! + r0 * d
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(l), Int32(b), Int32(d), 1,
                            thetaFloats, Int32(d), rows, Int32(d), 0, &projected, Int32(b))
                for r in 0..<b { tolerance[r] = margin * Widening.squaredNorm(rows + r * d, count: d).squareRoot() }
            }
            // Spans read without bounds checks (`unchecked`): indices are below L·b, b, L·B by construction.
            let g = projected.span, tol = tolerance.span
            var c = table.mutableSpan
            for j in 0..<l {
                let a = lo[j], w = hi[j] - a
                let scale = w > 0 ? fb / w : 0
                for r in 0..<b {
                    let k: Int
                    if w > 0 {
                        k = Self.bin((Double(g[unchecked: j &* b &+ r]) - a) * scale, bins: bins, fb: fb,
                                     tolerance: tol[unchecked: r] * scale + Self.exactTolerance) {
                            let v = Self.dot(theta, row: j, m.values, row: r0 + r, count: d) - a
                            return Self.bin(v * scale, bins: bins, fb: fb, tolerance: Self.exactTolerance) {
                                Self.exactBin(v, width: w, bins: bins)
                            }
                        }
                    } else {
                        k = Self.dot(theta, row: j, m.values, row: r0 + r, count: d) == a ? 0 : bins - 1
                    }
                    c[unchecked: j &* bins &+ k] &+= 1
                }
            }
            r0 += b
        }
        return table.map { Int($0) }
    }

    /// Rows per `sgemm` block: the L×rows Float block (128 KiB at L = 128) stays in L2 for the binning.
    static let projectionBlockRows = 256

    /// θ_j · x_r in Double (the fallback next to a bin edge), for row-major Θ and rows of length `count`.
    static func dot(_ theta: [Double], row j: Int, _ x: [Float], row r: Int, count: Int) -> Double {
        let t = theta.span, v = x.span
        var s = 0.0
        for c in 0..<count { s += t[unchecked: j &* count &+ c] * Double(v[unchecked: r &* count &+ c]) }
        return s
    }

    /// Bin counts of column-major data whose columns are each sorted ascending, equal to
    /// `counts(ofColumnMajor:rows:)`. ref.py's bin is monotone in the value (a subtraction, a
    /// division and a multiplication by positives, a floor and clamps, each rounding monotonically),
    /// so bin k starts at the first row ≥ the smallest Double in bin k: B − 1 branch-free binary
    /// searches per column instead of binning every row. Used when W1 or sliced W sort the window anyway.
    func counts(ofSortedColumnMajor data: [Double], rows: Int) -> [Int] {
        var out = [Int](repeating: 0, count: columns * bins)
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { c in
                for j in 0..<columns {
                    let a = lo[j], width = hi[j] - a, base = j * bins
                    let column = x.baseAddress! + j * rows
                    guard width > 0 else {
                        // Constant baseline column: not monotone (below and above both go to the last bin).
                        for i in 0..<rows { c[base + (column[i] == a ? 0 : bins - 1)] += 1 }
                        continue
                    }
                    var start = 0  // first row of bin k − 1
                    for k in 1..<bins {
                        let end = Self.lowerBound(Self.firstValue(ofBin: k, lo: a, width: width, bins: bins), in: column, count: rows)
                        c[base + k - 1] = end - start
                        start = end
                    }
                    c[base + bins - 1] = rows - start
                }
            }
        }
        return out
    }

    /// The smallest Double x with ref.py's bin of x ≥ k (1 ≤ k < bins): the computed edge
    /// lo + width·k/B, moved by single ulps until the bin changes exactly there.
    static func firstValue(ofBin k: Int, lo a: Double, width: Double, bins: Int) -> Double {
        var t = a + width * Double(k) / Double(bins)
        while exactBin(t - a, width: width, bins: bins) < k { t = t.nextUp }
        while exactBin(t.nextDown - a, width: width, bins: bins) >= k { t = t.nextDown }
        return t
    }

    /// Number of values in the ascending `values[0..<count]` below `x`, without data-dependent branches.
    @inline(__always)
    static func lowerBound(_ x: Double, in values: UnsafePointer<Double>, count: Int) -> Int {
        guard count > 0 else { return 0 }
        // The answer lies in base ... base + n; each step halves n with a conditional move.
        var base = 0, n = count
        while n > 1 {
            let half = n / 2
            base = values[base + half] < x ? base + half : base
            n -= half
        }
        return values[base] < x ? base + 1 : base
    }
}

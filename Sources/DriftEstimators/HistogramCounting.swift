import COpenBLAS

/// Counting a window into a reference's bins straight from its row-major Float rows: no transposed
/// or widened copy, and for projections no Double projection at all.
extension HistogramReference {
    /// Bin counts of a row-major Float matrix (same columns); the d×B count table stays in cache
    /// while the rows stream through. Constant baseline columns are recounted afterwards, which
    /// keeps a per-value branch on the column out of the loop.
    func counts(ofRowMajor m: Matrix) -> [Int] {
        let d = columns, fb = Double(bins), bins = bins
        let (widths, scales) = binScales()
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
                for r in 0..<m.rows { c[j * bins + bin(of: Double(x[r * d + j]), column: j)] &+= 1 }
            }
        }
        return table.map { Int($0) }
    }

    /// Bin counts of the window's projections on Θ (L×d row-major, Θ's rows being this reference's
    /// columns), without computing them in Double.
    ///
    /// `sgemm` gives each projection to within t = margin·‖x‖ (Θ's rows are unit vectors; the
    /// margin covers rounding Θ and the rows to Float and the Float dot product, see
    /// `KNNSearch.margin`). A value whose interval ±t lies inside one bin is counted there; the few
    /// next to an edge (≈ 0.5 % at d = 256) are projected again in Double and binned by ref.py's
    /// expression, and so is every value of a constant baseline projection.
    func counts(ofProjectionsOf m: Matrix, theta: [Double]) -> [Int] {
        let d = m.cols, l = columns, n = m.rows, fb = Double(bins), bins = bins
        let thetaFloats = theta.map { Float($0) }
        let margin = KNNSearch.margin(dimensions: d)
        let (widths, scales) = binScales()
        let blockRows = Swift.min(Self.projectionBlockRows, n)
        var projected = [Float](unsafeUninitializedCapacity: blockRows * l) { _, c in c = blockRows * l }
        var table = [Int32](repeating: 0, count: l * bins)
        m.values.withUnsafeBufferPointer { x in
            var r0 = 0
            while r0 < n {
                let b = Swift.min(blockRows, n - r0)
                // projected[r·L + j] = θ_j · x_(r0+r): one row's L projections share its tolerance.
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(b), Int32(l), Int32(d), 1,
                            x.baseAddress! + r0 * d, Int32(d), thetaFloats, Int32(d), 0, &projected, Int32(l))
                // Spans read without bounds checks (`unchecked`): indices are below b·L, L, L·B by construction.
                let g = projected.span, lo = self.lo.span, scale = scales.span
                var c = table.mutableSpan
                for r in 0..<b {
                    let row = x.baseAddress! + (r0 + r) &* d
                    // ‖x‖² summed in Float errs by less than the margin (relative); doubling it keeps t a bound.
                    let t = margin * (Double(Widening.floatSquaredNorm(row, count: d)) * (1 + 2 * margin)).squareRoot()
                    for j in 0..<l {
                        let v = Double(g[unchecked: r &* l &+ j]) - lo[unchecked: j], s = scale[unchecked: j]
                        let k = Self.bin(v * s, bins: bins, fb: fb, tolerance: t * s + Self.exactTolerance) {
                            exactProjectionBin(theta, row: j, row, count: d)
                        }
                        c[unchecked: j &* bins &+ k] &+= 1
                    }
                }
                r0 += b
            }
        }
        var out = table.map { Int($0) }
        for j in 0..<l where !(widths[j] > 0) {
            for k in 0..<bins { out[j * bins + k] = 0 }
            m.values.withUnsafeBufferPointer { x in
                for r in 0..<n { out[j * bins + exactProjectionBin(theta, row: j, x.baseAddress! + r * d, count: d)] += 1 }
            }
        }
        return out
    }

    /// Rows per `sgemm`: a 1 MiB block at L = 128 keeps the temporary bounded for large windows, at
    /// no measurable cost against one call for all 10 000 rows of the bench (8.0–8.5 ms either way).
    static let projectionBlockRows = 2048

    /// ref.py's bin of θ_j · x in Double (the fallback next to a bin edge). Four running sums: the
    /// reference's own BLAS sums in yet another order, and every order errs by ~1e-16 relative.
    func exactProjectionBin(_ theta: [Double], row j: Int, _ x: UnsafePointer<Float>, count: Int) -> Int {
        let t = theta.span, base = j &* count
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, c = 0
        while c + 4 <= count {
            s0 += t[unchecked: base &+ c] * Double(x[c])
            s1 += t[unchecked: base &+ c &+ 1] * Double(x[c &+ 1])
            s2 += t[unchecked: base &+ c &+ 2] * Double(x[c &+ 2])
            s3 += t[unchecked: base &+ c &+ 3] * Double(x[c &+ 3])
            c += 4
        }
        while c < count { s0 += t[unchecked: base &+ c] * Double(x[c]); c += 1 }
        return bin(of: (s0 + s1) + (s2 + s3), column: j)
    }

    /// Per column, the bin range hi − lo and B / (hi − lo) (0 for a constant column, which the
    /// counters recount by `bin(of:column:)`).
    func binScales() -> (widths: [Double], scales: [Double]) {
        let widths = (0..<columns).map { hi[$0] - lo[$0] }
        return (widths, widths.map { $0 > 0 ? Double(bins) / $0 : 0 })
    }

    /// ref.py's bin of `value` in column `j` (constant columns: bin 0 for the constant, else B − 1).
    func bin(of value: Double, column j: Int) -> Int {
        let a = lo[j], w = hi[j] - a
        guard w > 0 else { return value == a ? 0 : bins - 1 }
        return Self.exactBin(value - a, width: w, bins: bins)
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
                    let a = lo[j], h = hi[j], base = j * bins
                    let column = x.baseAddress! + j * rows
                    guard h - a > 0 else {
                        // Constant baseline column: not monotone (below and above both go to the last bin).
                        for i in 0..<rows { c[base + (column[i] == a ? 0 : bins - 1)] += 1 }
                        continue
                    }
                    var start = 0  // first row of bin k − 1
                    for k in 1..<bins {
                        let end = Self.lowerBound(Self.firstValue(ofBin: k, lo: a, hi: h, bins: bins), in: column, count: rows)
                        c[base + k - 1] = end - start
                        start = end
                    }
                    c[base + bins - 1] = rows - start
                }
            }
        }
        return out
    }

    /// The smallest Double x with ref.py's bin of x ≥ k (1 ≤ k < bins).
    ///
    /// ref.py's bin is monotone in x, so this is a search for the step of a monotone function over
    /// the Doubles ordered by `ordinal`. It starts at the computed edge lo + width·k/B, which is
    /// usually within an ulp or two of the step, and gallops (1, 2, 4, … ulps) to bracket it before
    /// bisecting: at most ~2·64 evaluations. A walk of single ulps is not bounded: when the edge
    /// computes to (about) 0 — a column whose range is symmetric about zero — the step can lie
    /// ~2⁶² ulps away, across the subnormal and tiny-number range.
    /// The search never leaves [lo, hi]: bin(lo) = 0 < k and bin(hi) = B − 1 ≥ k (hi − lo is the width).
    static func firstValue(ofBin k: Int, lo a: Double, hi: Double, bins: Int) -> Double {
        let width = hi - a
        func reaches(_ ord: Int64) -> Bool { exactBin(value(ofOrdinal: ord) - a, width: width, bins: bins) >= k }
        let floor = ordinal(a), ceiling = ordinal(hi)
        let start = Swift.min(Swift.max(ordinal(a + width * Double(k) / Double(bins)), floor), ceiling)
        // Invariant while bisecting: !reaches(below) && reaches(above). Distances are unsigned: the
        // ordinals of two Doubles may lie further apart than Int64 reaches.
        var below: Int64, above: Int64
        var step: UInt64 = 1
        if reaches(start) {
            above = start
            while true {
                let next = distance(floor, above) > step ? moved(above, by: step, up: false) : floor
                if next == floor || !reaches(next) { below = next; break }
                above = next
                step &<<= 1
            }
        } else {
            below = start
            while true {
                let next = distance(below, ceiling) > step ? moved(below, by: step, up: true) : ceiling
                if next == ceiling || reaches(next) { above = next; break }
                below = next
                step &<<= 1
            }
        }
        while distance(below, above) > 1 {
            let mid = moved(below, by: distance(below, above) / 2, up: true)
            if reaches(mid) { above = mid } else { below = mid }
        }
        return value(ofOrdinal: above)
    }

    /// to − from for from ≤ to, exact even where the difference exceeds Int64.
    @inline(__always)
    private static func distance(_ from: Int64, _ to: Int64) -> UInt64 { UInt64(bitPattern: to &- from) }

    /// `ord` ± `step`, for a result known to lie between two ordinals.
    @inline(__always)
    private static func moved(_ ord: Int64, by step: UInt64, up: Bool) -> Int64 {
        Int64(bitPattern: up ? UInt64(bitPattern: ord) &+ step : UInt64(bitPattern: ord) &- step)
    }

    /// The position of a non-NaN Double in the total order of Doubles: adjacent Doubles have
    /// adjacent ordinals, ±0 share 0, and x < y ⇔ ordinal(x) < ordinal(y).
    @inline(__always)
    static func ordinal(_ x: Double) -> Int64 {
        let magnitude = Int64(bitPattern: x.bitPattern & 0x7FFF_FFFF_FFFF_FFFF)
        return x.sign == .minus ? -magnitude : magnitude
    }

    /// The Double at `ordinal` (+0 for 0).
    @inline(__always)
    static func value(ofOrdinal ord: Int64) -> Double {
        ord >= 0 ? Double(bitPattern: UInt64(ord)) : -Double(bitPattern: UInt64(-ord))
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

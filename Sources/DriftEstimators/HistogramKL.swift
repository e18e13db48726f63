import Foundation

/// Per-column equal-width histograms of a baseline (DESIGN §5.4): bin edges from the baseline
/// column's [min, max], counts of the baseline itself. Codable so a store can persist it.
///
/// Constant baseline column (max == min, range zero): a value equal to the constant falls into
/// bin 0 and any other value into bin B−1. A dead unit that stays dead gives KL 0; one that comes
/// alive (or a live unit whose baseline was dead) gives a large, finite KL instead of a division by zero.
public struct HistogramReference: Sendable, Codable, Equatable {
    public let bins: Int
    public let rows: Int
    public let columns: Int
    public let lo: [Double]
    public let hi: [Double]
    /// `counts[j * bins + k]`: baseline rows of column j in bin k.
    public let counts: [Int]

    /// Builds the histograms from column-major data (`columns` runs of `rows`).
    init(columnMajor data: [Double], rows: Int, columns: Int, bins: Int) {
        var lo = [Double](repeating: 0, count: columns), hi = lo
        data.withUnsafeBufferPointer { x in
            for j in 0..<columns {
                var a = x[j * rows], b = a
                for i in 1..<rows { let v = x[j * rows + i]; if v < a { a = v }; if v > b { b = v } }
                lo[j] = a; hi[j] = b
            }
        }
        self.bins = bins
        self.rows = rows
        self.columns = columns
        self.lo = lo
        self.hi = hi
        self.counts = HistogramReference.count(columnMajor: data, rows: rows, columns: columns, bins: bins, lo: lo, hi: hi)
    }

    /// Bin counts of another sample (column-major, same column count) on these edges.
    func counts(ofColumnMajor data: [Double], rows: Int) -> [Int] {
        Self.count(columnMajor: data, rows: rows, columns: columns, bins: bins, lo: lo, hi: hi)
    }

    /// Bin counts of a row-major Float matrix (same columns), without a transposed copy: the
    /// d×B count table stays in cache while the rows stream through.
    func counts(ofRowMajor m: Matrix) -> [Int] {
        var out = [Int](repeating: 0, count: columns * bins)
        let fb = Double(bins), d = columns
        let width = (0..<d).map { hi[$0] - lo[$0] }
        let scale = (0..<d).map { width[$0] > 0 ? fb / width[$0] : 0 }
        m.values.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { c in
                for r in 0..<m.rows {
                    for j in 0..<d {
                        let value = Double(x[r * d + j])
                        let k: Int
                        if width[j] > 0 {
                            let v = value - lo[j], w = width[j]
                            k = Self.bin(v * scale[j], bins: bins, fb: fb) { v / w * fb }
                        } else {
                            k = value == lo[j] ? 0 : bins - 1
                        }
                        c[j * bins + k] += 1
                    }
                }
            }
        }
        return out
    }

    static func count(columnMajor data: [Double], rows: Int, columns: Int, bins: Int, lo: [Double], hi: [Double]) -> [Int] {
        var out = [Int](repeating: 0, count: columns * bins)
        let fb = Double(bins)
        data.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { c in
                for j in 0..<columns {
                    let a = lo[j], b = hi[j], width = b - a
                    let base = j * bins
                    if width > 0 {
                        let scale = fb / width
                        for i in 0..<rows {
                            // ref.py's bin is floor((x − lo) / (hi − lo) · B), clamped. A multiply is much
                            // cheaper than the divide and differs by a few ulps, which can only matter next
                            // to a bin edge: there, recompute with the reference expression.
                            let v = x[j * rows + i] - a
                            c[base + bin(v * scale, bins: bins, fb: fb) { v / width * fb }] += 1
                        }
                    } else {
                        for i in 0..<rows { c[base + (x[j * rows + i] == a ? 0 : bins - 1)] += 1 }
                    }
                }
            }
        }
        return out
    }

    /// Clamped bin of position `f` (in bins); `exact` recomputes it with the reference expression
    /// when `f` lies within 1e-9 of an edge. Truncation replaces `floor` (a libm call) since f ≥ 0 there.
    @inline(__always)
    static func bin(_ f: Double, bins: Int, fb: Double, exact: () -> Double) -> Int {
        if f < 1e-9 || f >= fb - 1e-9 {
            let e = exact()
            return e < 1 ? 0 : (e >= fb ? bins - 1 : Int(e))
        }
        let k = Int(f)
        let frac = f - Double(k)
        if frac < 1e-9 || frac > 1 - 1e-9 {
            let e = exact()
            return e < 1 ? 0 : (e >= fb ? bins - 1 : Int(e))
        }
        return k
    }
}

/// Histogram KL per column in both directions (nats, add-one smoothing) and its summaries.
public struct HistogramKL: Sendable, Codable, Equatable {
    /// D(baseline ‖ current) per column.
    public let baseCur: [Double]
    /// D(current ‖ baseline) per column.
    public let curBase: [Double]

    public var meanBaseCur: Double { baseCur.reduce(0, +) / Double(baseCur.count) }
    public var maxBaseCur: Double { baseCur.max() ?? 0 }
    public var argmaxBaseCur: Int { Wasserstein.firstArgmax(baseCur) }
    public var meanCurBase: Double { curBase.reduce(0, +) / Double(curBase.count) }
    public var maxCurBase: Double { curBase.max() ?? 0 }
    public var argmaxCurBase: Int { Wasserstein.firstArgmax(curBase) }

    /// KL between the reference histograms and `current` counts of `rows` rows, smoothing α = 1.
    init(reference r: HistogramReference, currentCounts: [Int], rows m: Int) {
        var bc = [Double](repeating: 0, count: r.columns), cb = bc
        var p = [Double](repeating: 0, count: r.bins), q = p
        for j in 0..<r.columns {
            var sp = 0.0, sq = 0.0
            for k in 0..<r.bins {
                p[k] = (Double(r.counts[j * r.bins + k]) + 1) / Double(r.rows + r.bins)
                q[k] = (Double(currentCounts[j * r.bins + k]) + 1) / Double(m + r.bins)
                sp += p[k]; sq += q[k]
            }
            // scipy.stats.entropy renormalises both vectors; do the same for bit-level agreement.
            var a = 0.0, b = 0.0
            for k in 0..<r.bins {
                let pk = p[k] / sp, qk = q[k] / sq
                a += pk * log(pk / qk)
                b += qk * log(qk / pk)
            }
            bc[j] = a; cb[j] = b
        }
        baseCur = bc
        curBase = cb
    }
}

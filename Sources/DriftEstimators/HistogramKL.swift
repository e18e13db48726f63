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
                            let v = x[j * rows + i] - a
                            c[base + bin(v * scale, bins: bins, fb: fb, tolerance: exactTolerance) { exactBin(v, width: width, bins: bins) }] += 1
                        }
                    } else {
                        for i in 0..<rows { c[base + (x[j * rows + i] == a ? 0 : bins - 1)] += 1 }
                    }
                }
            }
        }
        return out
    }

    /// How far (in bins) a multiply-based position may be from ref.py's divide-based one, with room to spare.
    static let exactTolerance = 1e-9

    /// Clamped bin of position `f` (in bins), known to be within `tolerance` of the exact position.
    /// ref.py's bin is clamp(floor((x − lo) / (hi − lo) · B), 0, B − 1); a multiply is much cheaper
    /// than the divide and differs by a few ulps, which can only matter next to a bin edge: there,
    /// `exact` decides. Clamping to [½, B − ½] first does the clamp and keeps clamped values clear
    /// of the edge test, leaving one rarely taken branch per value.
    ///
    /// ⌊g⌋ comes from adding 1.5·2⁵² to g − ½, which rounds it to an integer held in the low
    /// mantissa bits: no float↔int conversions (with their range checks) in this per-value path.
    /// Rounding to nearest gives ⌊g⌋ except at the integers, which the edge test sends to `exact`.
    @inline(__always)
    static func bin(_ f: Double, bins: Int, fb: Double, tolerance: Double, exact: () -> Int) -> Int {
        let g = Swift.min(Swift.max(f, 0.5), fb - 0.5)
        let shifted = (g - 0.5) + roundingShift
        let floorG = shifted - roundingShift
        return abs(g - floorG - 0.5) > 0.5 - tolerance ? exact() : Int(truncatingIfNeeded: shifted.bitPattern & 0xFFFF_FFFF)
    }

    /// 1.5·2⁵²: adding it to |x| < 2⁵¹ leaves round(x) in the low bits of the result.
    static let roundingShift = 6_755_399_441_055_744.0

    /// ref.py's bin of `v` = x − lo, computed with its own expression.
    @inline(__always)
    static func exactBin(_ v: Double, width: Double, bins: Int) -> Int {
        let e = v / width * Double(bins)
        return e < 1 ? 0 : (e >= Double(bins) ? bins - 1 : Int(e))
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

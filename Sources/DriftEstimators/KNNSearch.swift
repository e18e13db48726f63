import COpenBLAS

/// Exact k-nearest-neighbour distances with the heavy lifting in single precision.
///
/// `sgemm` (≈ 1.6× the speed of `dgemm` here) ranks candidates by approximate squared distances
/// ‖a‖² + ‖b‖² − 2·a·b; each row keeps k + `extra` candidates, whose distances are then recomputed
/// in Double. The float dot product of a and b errs by at most γ·‖a‖‖b‖ (γ = (d+2)·2⁻²⁴ / (1 − (d+2)·2⁻²⁴),
/// which also covers rounding Double inputs to Float), so a point outside the list is at least
/// (largest kept approximation − margin) away. When the exact k-th distance is below that bound the
/// result is provably the same as the all-Double search; otherwise (ties, duplicates) the row is
/// recomputed by a Double brute-force scan. Results therefore equal `KNN.selfNearest`/`crossNearest`.
enum KNNSearch {
    static let extra = 3
    /// Gram tiles of blockRows × tileColumns Floats (512 KiB, the per-core L2 of this machine kind)
    /// are read back by the selection while still cached, instead of a 256 × n block from memory;
    /// much narrower tiles would make `sgemm` repack its operands more often.
    static let blockRows = 256
    static let tileColumns = 512

    /// Each row's `width` best candidates so far (ascending approximate squared distance, with the
    /// other set's row index) and, contiguous, each row's admission threshold — its last slot — so
    /// the hot loop reads 8 bytes per candidate instead of one cache line of the list. A class over
    /// manually allocated storage: one scan may update two sets' lists, or one set's twice.
    final class Lists {
        let width: Int
        let values: UnsafeMutablePointer<Double>
        let indices: UnsafeMutablePointer<Int32>
        let threshold: UnsafeMutablePointer<Double>

        init(rows: Int, width: Int) {
            self.width = width
            values = .allocate(capacity: rows * width)
            values.initialize(repeating: .infinity, count: rows * width)
            indices = .allocate(capacity: rows * width)
            indices.initialize(repeating: -1, count: rows * width)
            threshold = .allocate(capacity: rows)
            threshold.initialize(repeating: .infinity, count: rows)
        }

        deinit {
            values.deallocate()
            indices.deallocate()
            threshold.deallocate()
        }

        /// Offers candidate `j` at approximate squared distance `v` to row `i`.
        @inline(__always)
        func offer(_ v: Double, _ j: Int, toRow i: Int) {
            guard v < threshold[i] else { return }
            let vals = values + i * width, idx = indices + i * width
            var p = width - 1
            while p > 0 && vals[p - 1] > v { vals[p] = vals[p - 1]; idx[p] = idx[p - 1]; p -= 1 }
            vals[p] = v
            idx[p] = Int32(j)
            threshold[i] = vals[width - 1]
        }
    }

    static func floats(_ x: [Double]) -> [Float] { x.map { Float($0) } }

    /// Relative bound on a Float dot product of d Float-rounded terms, |fl(a·b) − a·b| ≤ margin·‖a‖‖b‖:
    /// γ = (d+2)·2⁻²⁴/(1 − (d+2)·2⁻²⁴) with slack for the Double arithmetic around it. Also bounds
    /// the `sgemm` projections of `HistogramReference.counts(ofProjectionsOf:theta:)`.
    static func margin(dimensions d: Int) -> Double {
        let u = 0x1p-24, g = Double(d + 2) * u
        return 2.2 * g / (1 - g)
    }

    /// k nearest distances of each row of `x` among its other rows.
    static func within(_ x: [Double], norms: [Double], rows n: Int, dimensions d: Int, k: Int) -> [Double] {
        let lists = Lists(rows: n, width: Swift.min(k + extra, n - 1))
        // Only pairs i < j: tiles start at the block's own first row, and each pair updates both lists.
        let xf = floats(x)
        scan(xf, norms, n, xf, norms, n, d, rows: lists, columns: lists, upperTriangle: true)
        return finalize(lists, own: x, ownNorms: norms, other: x, otherNorms: norms, otherRows: n, d: d, k: k,
                        excludeSelf: true, maxOtherNorm: norms.max() ?? 0)
    }

    /// k nearest distances from each row of `a` into `b`, and from each row of `b` into `a`.
    static func cross(_ a: [Double], _ an: [Double], _ na: Int, _ b: [Double], _ bn: [Double], _ nb: Int,
                      _ d: Int, k: Int) -> ([Double], [Double]) {
        let la = Lists(rows: na, width: Swift.min(k + extra, nb)), lb = Lists(rows: nb, width: Swift.min(k + extra, na))
        scan(floats(b), bn, nb, floats(a), an, na, d, rows: lb, columns: la, upperTriangle: false)
        let ta = finalize(la, own: a, ownNorms: an, other: b, otherNorms: bn, otherRows: nb, d: d, k: k,
                          excludeSelf: false, maxOtherNorm: bn.max() ?? 0)
        let tb = finalize(lb, own: b, ownNorms: bn, other: a, otherNorms: an, otherRows: na, d: d, k: k,
                          excludeSelf: false, maxOtherNorm: an.max() ?? 0)
        return (ta, tb)
    }

    /// Offers every pair (row r of `left`, row c of `right`) — with r < c when `upperTriangle` (one
    /// set against itself) — to row r's list in `rows` and row c's in `columns`, by approximate
    /// squared distance ‖l‖² + ‖r‖² − 2·l·r from `sgemm` tiles of blockRows × tileColumns.
    static func scan(_ left: [Float], _ leftNorms: [Double], _ nl: Int, _ right: [Float], _ rightNorms: [Double], _ nr: Int,
                     _ d: Int, rows: Lists, columns: Lists, upperTriangle: Bool) {
        var tile = [Float](repeating: 0, count: blockRows * tileColumns)
        let ln = leftNorms.span, rn = rightNorms.span
        var start = 0
        while start < nl {
            let b = Swift.min(blockRows, nl - start)
            var c0 = upperTriangle ? start : 0
            while c0 < nr {
                let width = Swift.min(tileColumns, nr - c0)
                sgemmTile(left, start, b, right, c0, width, d, into: &tile)
                let g = tile.span
                for r in 0..<b {
                    let i = start + r, ni = ln[unchecked: i], row = r * width - c0
                    var j = upperTriangle ? Swift.max(c0, i + 1) : c0
                    func visit(_ j: Int, _ v: Double) {
                        rows.offer(v, j, toRow: i)
                        columns.offer(v, i, toRow: j)
                    }
                    while j + 4 <= c0 + width {
                        let v = SIMD4(ni + rn[unchecked: j] - 2 * Double(g[unchecked: row + j]),
                                      ni + rn[unchecked: j + 1] - 2 * Double(g[unchecked: row + j + 1]),
                                      ni + rn[unchecked: j + 2] - 2 * Double(g[unchecked: row + j + 2]),
                                      ni + rn[unchecked: j + 3] - 2 * Double(g[unchecked: row + j + 3]))
                        if admitsAny(v, rows.threshold[i], columns.threshold + j) { for t in 0..<4 { visit(j + t, v[t]) } }
                        j += 4
                    }
                    while j < c0 + width { visit(j, ni + rn[unchecked: j] - 2 * Double(g[unchecked: row + j])); j += 1 }
                }
                c0 += width
            }
            start += b
        }
    }

    /// Whether any of four candidate values would enter the row's list (threshold `own`) or its
    /// column's (`columns[0..<4]`): one well-predicted branch per four pairs instead of two per pair.
    /// Thresholds only decrease, so a group rejected here would be rejected pair by pair too.
    @inline(__always)
    static func admitsAny(_ v: SIMD4<Double>, _ own: Double, _ columns: UnsafePointer<Double>) -> Bool {
        let a = v[0] < Swift.max(own, columns[0]) ? 1 : 0, b = v[1] < Swift.max(own, columns[1]) ? 1 : 0
        let c = v[2] < Swift.max(own, columns[2]) ? 1 : 0, d = v[3] < Swift.max(own, columns[3]) ? 1 : 0
        return a | b | c | d != 0
    }

    /// G = A[aStart ..< aStart+aRows] · B[bStart ..< bStart+bRows]ᵀ in Float, written to `g` (aRows × bRows).
    static func sgemmTile(_ a: [Float], _ aStart: Int, _ aRows: Int, _ b: [Float], _ bStart: Int, _ bRows: Int, _ d: Int,
                          into g: inout [Float]) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(aRows), Int32(bRows), Int32(d), 1,
                            pa.baseAddress! + aStart * d, Int32(d), pb.baseAddress! + bStart * d, Int32(d), 0,
                            &g, Int32(bRows))
            }
        }
    }

    /// Exact Double squared distance by the same formula as the all-Double search.
    @inline(__always)
    static func exact(_ p: UnsafePointer<Double>, _ pn: Double, _ q: UnsafePointer<Double>, _ qn: Double, _ d: Int) -> Double {
        var dot = 0.0
        for c in 0..<d { dot += p[c] * q[c] }
        return Swift.max(pn + qn - 2 * dot, 0)
    }

    /// `exact` for four candidates at once. Each dot product keeps the sequential order (for
    /// near-duplicate rows the cancelling formula depends on it), but the four running sums are
    /// independent, so the loop is not bound by one add's latency.
    @inline(__always)
    static func exact4(_ p: UnsafePointer<Double>, _ pn: Double, _ q: (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>),
                       _ qn: SIMD4<Double>, _ d: Int) -> SIMD4<Double> {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        for c in 0..<d {
            let x = p[c]
            s0 += x * q.0[c]
            s1 += x * q.1[c]
            s2 += x * q.2[c]
            s3 += x * q.3[c]
        }
        let v = SIMD4(repeating: pn) + qn - 2 * SIMD4(s0, s1, s2, s3)
        return SIMD4(Swift.max(v[0], 0), Swift.max(v[1], 0), Swift.max(v[2], 0), Swift.max(v[3], 0))
    }

    /// Exact k smallest distances per row from the candidate lists (brute force where not provable).
    static func finalize(_ lists: Lists, own: [Double], ownNorms: [Double], other: [Double], otherNorms: [Double],
                         otherRows: Int, d: Int, k: Int, excludeSelf: Bool, maxOtherNorm: Double) -> [Double] {
        let rows = ownNorms.count, w = lists.width
        let gamma = margin(dimensions: d)
        var out = [Double](repeating: .infinity, count: rows * k)
        own.withUnsafeBufferPointer { po in
            other.withUnsafeBufferPointer { pt in
                var best = [Double](repeating: .infinity, count: k)
                var candidates = [Int](repeating: 0, count: w)
                for i in 0..<rows {
                    for t in 0..<k { best[t] = .infinity }
                    let p = po.baseAddress! + i * d
                    var count = 0
                    for s in 0..<w where lists.indices[i * w + s] >= 0 {
                        candidates[count] = Int(lists.indices[i * w + s])
                        count += 1
                    }
                    var s = 0
                    while s + 4 <= count {
                        let j0 = candidates[s], j1 = candidates[s + 1], j2 = candidates[s + 2], j3 = candidates[s + 3]
                        let q = pt.baseAddress!
                        let v = exact4(p, ownNorms[i], (q + j0 * d, q + j1 * d, q + j2 * d, q + j3 * d),
                                       SIMD4(otherNorms[j0], otherNorms[j1], otherNorms[j2], otherNorms[j3]), d)
                        best.withUnsafeMutableBufferPointer { b in for t in 0..<4 { KNN.insert(v[t], b.baseAddress!, k) } }
                        s += 4
                    }
                    while s < count {
                        let j = candidates[s]
                        let v = exact(p, ownNorms[i], pt.baseAddress! + j * d, otherNorms[j], d)
                        best.withUnsafeMutableBufferPointer { KNN.insert(v, $0.baseAddress!, k) }
                        s += 1
                    }
                    // Every other row is in the list only if each was admitted: an approximation
                    // that overflowed Float (|x| ≳ 1e19) is NaN and never is.
                    let candidatesAll = count == (excludeSelf ? otherRows - 1 : otherRows)
                    let bound = lists.values[i * w + w - 1]
                        - gamma * (ownNorms[i] * maxOtherNorm).squareRoot() - 1e-12 * (ownNorms[i] + maxOtherNorm)
                    if !candidatesAll && !(best[k - 1] < bound) {
                        // Not provable from the float ranking: exact scan of the whole other set.
                        for t in 0..<k { best[t] = .infinity }
                        for j in 0..<otherRows where !(excludeSelf && j == i) {
                            let v = exact(p, ownNorms[i], pt.baseAddress! + j * d, otherNorms[j], d)
                            best.withUnsafeMutableBufferPointer { KNN.insert(v, $0.baseAddress!, k) }
                        }
                    }
                    for t in 0..<k { out[i * k + t] = best[t].squareRoot() }
                }
            }
        }
        return out
    }
}

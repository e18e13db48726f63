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
    static let blockRows = 256

    struct Lists {
        let width: Int
        var values: [Double]
        var indices: [Int32]

        init(rows: Int, width: Int) {
            self.width = width
            values = [Double](repeating: .infinity, count: rows * width)
            indices = [Int32](repeating: -1, count: rows * width)
        }
    }

    @inline(__always)
    static func insert(_ v: Double, _ j: Int32, _ vals: UnsafeMutablePointer<Double>, _ idx: UnsafeMutablePointer<Int32>, _ w: Int) {
        if v >= vals[w - 1] { return }
        var p = w - 1
        while p > 0 && vals[p - 1] > v { vals[p] = vals[p - 1]; idx[p] = idx[p - 1]; p -= 1 }
        vals[p] = v
        idx[p] = j
    }

    static func floats(_ x: [Double]) -> [Float] { x.map { Float($0) } }

    static func margin(dimensions d: Int) -> Double {
        let u = 0x1p-24, g = Double(d + 2) * u
        return 2.2 * g / (1 - g)
    }

    /// k nearest distances of each row of `x` among its other rows.
    static func within(_ x: [Double], norms: [Double], rows n: Int, dimensions d: Int, k: Int) -> [Double] {
        let w = Swift.min(k + extra, n - 1)
        var lists = Lists(rows: n, width: w)
        let xf = floats(x)
        // Each list's current admission threshold, contiguous: the hot loop reads 8 bytes per
        // candidate instead of one cache line of the list.
        var threshold = [Double](repeating: .infinity, count: n)
        lists.values.withUnsafeMutableBufferPointer { vals in
            lists.indices.withUnsafeMutableBufferPointer { idx in
                threshold.withUnsafeMutableBufferPointer { thr in
                    var start = 0
                    while start < n {
                        let b = Swift.min(blockRows, n - start)
                        let width = n - start
                        let g = sgemmBlock(xf, start, b, xf, start, width, d)
                        g.withUnsafeBufferPointer { gp in
                            norms.withUnsafeBufferPointer { nn in
                                for r in 0..<b {
                                    let i = start + r
                                    let ni = nn[i]
                                    var ti = thr[i]
                                    let row = gp.baseAddress! + r * width - start
                                    for j in (i + 1)..<Swift.max(i + 1, n) {
                                        let v = ni + nn[j] - 2 * Double(row[j])
                                        if v < ti {
                                            insert(v, Int32(j), vals.baseAddress! + i * w, idx.baseAddress! + i * w, w)
                                            ti = vals[i * w + w - 1]
                                        }
                                        if v < thr[j] {
                                            insert(v, Int32(i), vals.baseAddress! + j * w, idx.baseAddress! + j * w, w)
                                            thr[j] = vals[j * w + w - 1]
                                        }
                                    }
                                    thr[i] = ti
                                }
                            }
                        }
                        start += b
                    }
                }
            }
        }
        let maxNorm = norms.max() ?? 0
        return finalize(lists, own: x, ownNorms: norms, other: x, otherNorms: norms, otherRows: n, d: d, k: k,
                        excludeSelf: true, maxOtherNorm: maxNorm)
    }

    /// k nearest distances from each row of `a` into `b`, and from each row of `b` into `a`.
    static func cross(_ a: [Double], _ an: [Double], _ na: Int, _ b: [Double], _ bn: [Double], _ nb: Int,
                      _ d: Int, k: Int) -> ([Double], [Double]) {
        let wa = Swift.min(k + extra, nb), wb = Swift.min(k + extra, na)
        var la = Lists(rows: na, width: wa), lb = Lists(rows: nb, width: wb)
        let af = floats(a), bf = floats(b)
        var thrA = [Double](repeating: .infinity, count: na)
        la.values.withUnsafeMutableBufferPointer { va in
            la.indices.withUnsafeMutableBufferPointer { ia in
                lb.values.withUnsafeMutableBufferPointer { vb in
                    lb.indices.withUnsafeMutableBufferPointer { ib in
                        thrA.withUnsafeMutableBufferPointer { ta in
                            var start = 0
                            while start < nb {
                                let rows = Swift.min(blockRows, nb - start)
                                let g = sgemmBlock(bf, start, rows, af, 0, na, d)
                                g.withUnsafeBufferPointer { gp in
                                    an.withUnsafeBufferPointer { ann in
                                        for r in 0..<rows {
                                            let j = start + r
                                            let nj = bn[j]
                                            var tj = Double.infinity
                                            let row = gp.baseAddress! + r * na
                                            for i in 0..<na {
                                                let v = nj + ann[i] - 2 * Double(row[i])
                                                if v < tj {
                                                    insert(v, Int32(i), vb.baseAddress! + j * wb, ib.baseAddress! + j * wb, wb)
                                                    tj = vb[j * wb + wb - 1]
                                                }
                                                if v < ta[i] {
                                                    insert(v, Int32(j), va.baseAddress! + i * wa, ia.baseAddress! + i * wa, wa)
                                                    ta[i] = va[i * wa + wa - 1]
                                                }
                                            }
                                        }
                                    }
                                }
                                start += rows
                            }
                        }
                    }
                }
            }
        }
        let ta = finalize(la, own: a, ownNorms: an, other: b, otherNorms: bn, otherRows: nb, d: d, k: k,
                          excludeSelf: false, maxOtherNorm: bn.max() ?? 0)
        let tb = finalize(lb, own: b, ownNorms: bn, other: a, otherNorms: an, otherRows: na, d: d, k: k,
                          excludeSelf: false, maxOtherNorm: an.max() ?? 0)
        return (ta, tb)
    }

    /// G = A[aStart ..< aStart+aRows] · B[bStart ..< bStart+bRows]ᵀ in Float.
    static func sgemmBlock(_ a: [Float], _ aStart: Int, _ aRows: Int, _ b: [Float], _ bStart: Int, _ bRows: Int, _ d: Int) -> [Float] {
        var g = [Float](unsafeUninitializedCapacity: aRows * bRows) { _, c in c = aRows * bRows }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                g.withUnsafeMutableBufferPointer { pg in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(aRows), Int32(bRows), Int32(d), 1,
                                pa.baseAddress! + aStart * d, Int32(d), pb.baseAddress! + bStart * d, Int32(d), 0,
                                pg.baseAddress, Int32(bRows))
                }
            }
        }
        return g
    }

    /// Exact Double squared distance by the same formula as the all-Double search.
    @inline(__always)
    static func exact(_ p: UnsafePointer<Double>, _ pn: Double, _ q: UnsafePointer<Double>, _ qn: Double, _ d: Int) -> Double {
        var dot = 0.0
        for c in 0..<d { dot += p[c] * q[c] }
        return Swift.max(pn + qn - 2 * dot, 0)
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
                for i in 0..<rows {
                    for t in 0..<k { best[t] = .infinity }
                    let p = po.baseAddress! + i * d
                    for s in 0..<w {
                        let j = Int(lists.indices[i * w + s])
                        if j < 0 { continue }
                        let v = exact(p, ownNorms[i], pt.baseAddress! + j * d, otherNorms[j], d)
                        best.withUnsafeMutableBufferPointer { KNN.insert(v, $0.baseAddress!, k) }
                    }
                    let candidatesAll = (excludeSelf ? otherRows - 1 : otherRows) <= w
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

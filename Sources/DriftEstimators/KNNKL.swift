import Foundation

/// The baseline side of the kNN KL estimator (DESIGN §5.6): the (possibly subsampled) baseline rows,
/// their squared norms and each row's k-th nearest-neighbour distance within the baseline.
public struct KNNReference: Sendable, Codable, Equatable {
    public let ks: [Int]
    public let rows: Int
    public let dimensions: Int
    /// Row-major rows × dimensions, Float64.
    public let points: [Double]
    public let squaredNorms: [Double]
    /// `within[i * kmax + (k−1)]`: k-th nearest-neighbour distance of row i among the other baseline rows.
    public let within: [Double]

    /// Distances equal to 0 (duplicate rows) are floored at this value so every log ratio stays finite.
    public static let distanceFloor = 1e-12

    /// Precomputes the within-baseline neighbour distances (one n×n pass of gemm blocks).
    public init(points: [Double], rows: Int, dimensions: Int, ks: [Int] = [1, 5]) throws(EstimatorError) {
        let kmax = ks.max() ?? 1
        guard rows > kmax else {
            throw EstimatorError(.tooFewRows, "kNN KL with k = \(kmax) needs more than \(kmax) baseline rows, got \(rows)")
        }
        self.ks = ks
        self.rows = rows
        self.dimensions = dimensions
        self.points = points
        self.squaredNorms = KNN.squaredNorms(points, rows: rows, dimensions: dimensions)
        self.within = KNNSearch.within(points, norms: squaredNorms, rows: rows, dimensions: dimensions, k: kmax)
    }
}

/// kNN KL estimates (Wang–Kulkarni–Verdú 2009), nats, for each k in both directions.
public struct KNNKL: Sendable, Codable, Equatable {
    public let ks: [Int]
    /// D(base ‖ cur) per k, aligned with `ks`.
    public let baseCur: [Double]
    /// D(cur ‖ base) per k, aligned with `ks`.
    public let curBase: [Double]

    /// D(base ‖ cur) for a given k (nil if not computed).
    public func baseCur(k: Int) -> Double? { ks.firstIndex(of: k).map { baseCur[$0] } }
    /// D(cur ‖ base) for a given k (nil if not computed).
    public func curBase(k: Int) -> Double? { ks.firstIndex(of: k).map { curBase[$0] } }

    /// Exact brute-force evaluation of the current rows (row-major Float64) against the reference.
    init(reference r: KNNReference, current y: [Double], rows m: Int) throws(EstimatorError) {
        let kmax = r.ks.max() ?? 1
        guard m > kmax else {
            throw EstimatorError(.tooFewRows, "kNN KL with k = \(kmax) needs more than \(kmax) current rows, got \(m)")
        }
        let d = r.dimensions
        let yNorms = KNN.squaredNorms(y, rows: m, dimensions: d)
        let withinY = KNNSearch.within(y, norms: yNorms, rows: m, dimensions: d, k: kmax)
        let (xToY, yToX) = KNNSearch.cross(r.points, r.squaredNorms, r.rows, y, yNorms, m, d, k: kmax)
        let n = r.rows
        var bc = [Double](), cb = [Double]()
        for k in r.ks {
            var s = 0.0
            for i in 0..<n { s += log(KNN.floored(xToY[i * kmax + k - 1]) / KNN.floored(r.within[i * kmax + k - 1])) }
            bc.append(Double(d) / Double(n) * s + log(Double(m) / Double(n - 1)))
            var t = 0.0
            for j in 0..<m { t += log(KNN.floored(yToX[j * kmax + k - 1]) / KNN.floored(withinY[j * kmax + k - 1])) }
            cb.append(Double(d) / Double(m) * t + log(Double(n) / Double(m - 1)))
        }
        ks = r.ks
        baseCur = bc
        curBase = cb
    }
}

/// Brute-force nearest-neighbour distances through ‖a‖² + ‖b‖² − 2a·b with `dgemm` blocks: the
/// all-Double search that `KNNSearch` must reproduce (kept as its reference in the tests).
enum KNN {
    static let blockRows = 256

    static func floored(_ x: Double) -> Double { Swift.max(x, KNNReference.distanceFloor) }

    static func squaredNorms(_ x: [Double], rows: Int, dimensions d: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { p in
            for i in 0..<rows {
                var s = 0.0
                for c in 0..<d { s += p[i * d + c] * p[i * d + c] }
                out[i] = s
            }
        }
        return out
    }

    /// Inserts squared distance `v` into the ascending top-k list at `base` (k small).
    @inline(__always)
    static func insert(_ v: Double, _ top: UnsafeMutablePointer<Double>, _ k: Int) {
        if v >= top[k - 1] { return }
        var p = k - 1
        while p > 0 && top[p - 1] > v { top[p] = top[p - 1]; p -= 1 }
        top[p] = v
    }

    /// k nearest distances of every row among the other rows of the same set (self excluded by index).
    /// Symmetric: each block of rows is multiplied only with the rows from its own start onwards, and
    /// every pair (i < j) updates both lists — half the gemm work of the full n×n product.
    static func selfNearest(_ x: [Double], norms: [Double], rows n: Int, dimensions d: Int, k: Int) -> [Double] {
        var top = [Double](repeating: .infinity, count: n * k)
        top.withUnsafeMutableBufferPointer { t in
            var start = 0
            while start < n {
                let b = Swift.min(blockRows, n - start)
                let width = n - start
                let block = Array(x[(start * d)..<((start + b) * d)])
                let rest = Array(x[(start * d)..<(n * d)])
                let g = Numerics.multiplyTransposed(block, rest, m: b, n: width, k: d)
                g.withUnsafeBufferPointer { gp in
                    norms.withUnsafeBufferPointer { nn in
                        for r in 0..<b {
                            let i = start + r
                            let rowI = t.baseAddress! + i * k
                            let ni = nn[i]
                            for j in (i + 1)..<Swift.max(i + 1, n) {
                                let v = Swift.max(ni + nn[j] - 2 * gp[r * width + (j - start)], 0)
                                insert(v, rowI, k)
                                insert(v, t.baseAddress! + j * k, k)
                            }
                        }
                    }
                }
                start += b
            }
            for i in 0..<(n * k) { t[i] = t[i].squareRoot() }
        }
        return top
    }

    /// k nearest distances from each row of `a` into `b` and from each row of `b` into `a`, one pass.
    static func crossNearest(_ a: [Double], _ an: [Double], _ na: Int,
                             _ b: [Double], _ bn: [Double], _ nb: Int, _ d: Int, k: Int) -> ([Double], [Double]) {
        var topA = [Double](repeating: .infinity, count: na * k)
        var topB = [Double](repeating: .infinity, count: nb * k)
        topA.withUnsafeMutableBufferPointer { ta in
            topB.withUnsafeMutableBufferPointer { tb in
                var start = 0
                while start < nb {
                    let rowsB = Swift.min(blockRows, nb - start)
                    let block = Array(b[(start * d)..<((start + rowsB) * d)])
                    let g = Numerics.multiplyTransposed(block, a, m: rowsB, n: na, k: d)
                    g.withUnsafeBufferPointer { gp in
                        an.withUnsafeBufferPointer { anp in
                            for r in 0..<rowsB {
                                let j = start + r
                                let rowB = tb.baseAddress! + j * k
                                let nj = bn[j]
                                for i in 0..<na {
                                    let v = Swift.max(nj + anp[i] - 2 * gp[r * na + i], 0)
                                    insert(v, rowB, k)
                                    insert(v, ta.baseAddress! + i * k, k)
                                }
                            }
                        }
                    }
                    start += rowsB
                }
                for i in 0..<(na * k) { ta[i] = ta[i].squareRoot() }
                for i in 0..<(nb * k) { tb[i] = tb[i].squareRoot() }
            }
        }
        return (topA, topB)
    }
}

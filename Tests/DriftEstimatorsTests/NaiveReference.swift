import Foundation
@testable import DriftEstimators

/// Deliberately naive (loop / O(n²)) reimplementations of DESIGN §5, independent of the module's
/// algorithms (no sort-merge, no BLAS, no LAPACK), to check the fast paths against.
enum Naive {
    static func column(_ x: Matrix, _ c: Int) -> [Double] { (0..<x.rows).map { Double(x[$0, c]) } }

    /// ∫|F_u − F_v| by evaluating both empirical CDFs by counting between consecutive support points.
    static func w1(_ u: [Double], _ v: [Double]) -> Double {
        let pts = Array(Set(u + v)).sorted()
        var area = 0.0
        for k in 0..<(pts.count - 1) {
            let fu = Double(u.filter { $0 <= pts[k] }.count) / Double(u.count)
            let fv = Double(v.filter { $0 <= pts[k] }.count) / Double(v.count)
            area += abs(fu - fv) * (pts[k + 1] - pts[k])
        }
        return area
    }

    /// W_p^p by replicating each sample to a common size n·m (then the coupling is the sorted pairing).
    static func wpPower(_ u: [Double], _ v: [Double], p: Double) -> Double {
        let a = u.flatMap { Array(repeating: $0, count: v.count) }.sorted()
        let b = v.flatMap { Array(repeating: $0, count: u.count) }.sorted()
        var s = 0.0
        for i in a.indices { s += pow(abs(a[i] - b[i]), p) }
        return s / Double(a.count)
    }

    static func project(_ x: Matrix, _ theta: [Double], _ l: Int) -> [[Double]] {
        (0..<l).map { k in (0..<x.rows).map { r in (0..<x.cols).reduce(0.0) { $0 + Double(x[r, $1]) * theta[k * x.cols + $1] } } }
    }

    static func mean(_ x: Matrix) -> [Double] {
        (0..<x.cols).map { c in column(x, c).reduce(0, +) / Double(x.rows) }
    }

    static func covariance(_ x: Matrix) -> [[Double]] {
        let mu = mean(x), d = x.cols
        var s = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for r in 0..<x.rows {
            for i in 0..<d { for j in 0..<d { s[i][j] += (Double(x[r, i]) - mu[i]) * (Double(x[r, j]) - mu[j]) } }
        }
        return s.map { $0.map { $0 / Double(x.rows - 1) } }
    }

    static func matmul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count
        return (0..<n).map { i in (0..<n).map { j in (0..<n).reduce(0.0) { $0 + a[i][$1] * b[$1][j] } } }
    }

    /// Gauss–Jordan inverse with partial pivoting, and the log-determinant (positive-definite input).
    static func inverseAndLogDet(_ m: [[Double]]) -> ([[Double]], Double) {
        let n = m.count
        var a = m, inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        var logDet = 0.0
        for c in 0..<n {
            let p = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, p); inv.swapAt(c, p)
            let piv = a[c][c]
            logDet += log(abs(piv))
            for j in 0..<n { a[c][j] /= piv; inv[c][j] /= piv }
            for r in 0..<n where r != c {
                let f = a[r][c]
                for j in 0..<n { a[r][j] -= f * a[c][j]; inv[r][j] -= f * inv[c][j] }
            }
        }
        return (inv, logDet)
    }

    /// Tr √M for M = Σ₁Σ₂ (similar to a PSD matrix) by the Denman–Beavers iteration.
    static func traceSqrt(_ m: [[Double]]) -> Double {
        let n = m.count
        var y = m, z = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<60 {
            let yi = inverseGeneral(y), zi = inverseGeneral(z)
            let y2 = (0..<n).map { i in (0..<n).map { (y[i][$0] + zi[i][$0]) / 2 } }
            let z2 = (0..<n).map { i in (0..<n).map { (z[i][$0] + yi[i][$0]) / 2 } }
            y = y2; z = z2
        }
        return (0..<n).reduce(0.0) { $0 + y[$1][$1] }
    }

    static func inverseGeneral(_ m: [[Double]]) -> [[Double]] { inverseAndLogDet(m).0 }

    static func frechet(_ x: Matrix, _ y: Matrix) -> Double {
        let mx = mean(x), my = mean(y), sx = covariance(x), sy = covariance(y)
        let meanTerm = zip(mx, my).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let tr = (0..<x.cols).reduce(0.0) { $0 + sx[$1][$1] + sy[$1][$1] }
        return meanTerm + tr - 2 * traceSqrt(matmul(sx, sy))
    }

    /// D(N(μ0,S0) ‖ N(μ1,S1)) with ridge, straight from the formula.
    static func gaussianKL(_ x: Matrix, _ y: Matrix, ridge: Double) -> (full: Double, diag: Double) {
        let d = x.cols
        var s0 = covariance(x), s1 = covariance(y)
        for i in 0..<d { s0[i][i] += ridge; s1[i][i] += ridge }
        let m0 = mean(x), m1 = mean(y)
        let (inv1, ld1) = inverseAndLogDet(s1)
        let (_, ld0) = inverseAndLogDet(s0)
        let dm = (0..<d).map { m1[$0] - m0[$0] }
        var tr = 0.0, maha = 0.0
        for i in 0..<d {
            for j in 0..<d {
                tr += inv1[i][j] * s0[j][i]
                maha += dm[i] * inv1[i][j] * dm[j]
            }
        }
        let full = 0.5 * (tr + maha - Double(d) + ld1 - ld0)
        var diag = 0.0
        for j in 0..<d {
            let v0: Double = s0[j][j], v1: Double = s1[j][j]
            let term: Double = v0 / v1 + dm[j] * dm[j] / v1 - 1.0 + log(v1 / v0)
            diag += 0.5 * term
        }
        return (full, diag)
    }

    /// Histogram KL of one column pair, bins on the baseline's [min, max].
    static func histKL(_ base: [Double], _ cur: [Double], bins: Int) -> (Double, Double) {
        let lo = base.min()!, hi = base.max()!
        func counts(_ v: [Double]) -> [Double] {
            var c = [Double](repeating: 0, count: bins)
            for x in v {
                var k = Int(((x - lo) / (hi - lo) * Double(bins)).rounded(.down))
                k = min(max(k, 0), bins - 1)
                c[k] += 1
            }
            return c
        }
        let p = counts(base).map { ($0 + 1) / Double(base.count + bins) }
        let q = counts(cur).map { ($0 + 1) / Double(cur.count + bins) }
        var a = 0.0, b = 0.0
        for k in 0..<bins { a += p[k] * log(p[k] / q[k]); b += q[k] * log(q[k] / p[k]) }
        return (a, b)
    }

    static func distance(_ x: Matrix, _ i: Int, _ y: Matrix, _ j: Int) -> Double {
        (0..<x.cols).reduce(0.0) { $0 + pow(Double(x[i, $1]) - Double(y[j, $1]), 2) }.squareRoot()
    }

    /// Wang–Kulkarni–Verdú D(P‖Q) with direct O(n²) distances.
    static func knnKL(_ x: Matrix, _ y: Matrix, k: Int) -> Double {
        let n = x.rows, m = y.rows, d = Double(x.cols)
        var s = 0.0
        for i in 0..<n {
            let rho = (0..<n).filter { $0 != i }.map { distance(x, i, x, $0) }.sorted()[k - 1]
            let nu = (0..<m).map { distance(x, i, y, $0) }.sorted()[k - 1]
            s += log(nu / rho)
        }
        return d / Double(n) * s + log(Double(m) / Double(n - 1))
    }

    static func meanPairwiseCosine(_ x: Matrix) -> Double {
        var s = 0.0, count = 0
        for i in 0..<x.rows {
            for j in 0..<x.rows where j != i {
                let dot = (0..<x.cols).reduce(0.0) { $0 + Double(x[i, $1]) * Double(x[j, $1]) }
                let ni = (0..<x.cols).reduce(0.0) { $0 + pow(Double(x[i, $1]), 2) }.squareRoot()
                let nj = (0..<x.cols).reduce(0.0) { $0 + pow(Double(x[j, $1]), 2) }.squareRoot()
                s += dot / (ni * nj); count += 1
            }
        }
        return s / Double(count)
    }
}

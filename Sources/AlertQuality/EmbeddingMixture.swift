import COpenBLAS
import DriftEstimators
import Foundation

/// The embedding distribution of golden/README.md's generator (`gen.py`), rebuilt in Swift on
/// SplitMix64: K = 8 Gaussian clusters with unit-norm centres, Dirichlet(5) weights, cluster
/// scales in [0.4, 0.8], within-cluster eigenvalues ∝ i⁻¹ in a Haar-random basis, every row
/// projected onto the unit sphere. The same construction, not the same streams.
public struct EmbeddingMixture: Sendable {
    public let dimension: Int
    static let clusters = 8
    /// K×d, unit rows.
    let centers: [Double]
    /// Cumulative cluster weights (last = 1).
    let cumulativeWeights: [Double]
    let sigma: [Double]
    /// √λᵢ with Σλ = 1, so E‖noise‖² = σ².
    let sqrtLambda: [Double]
    /// d×d orthonormal, row-major.
    let basis: [Double]

    public init(dimension d: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed ^ 0x6D69_7874_7572_6521)
        dimension = d
        centers = Self.unitRows(Self.gaussians(Self.clusters * d, rng: &rng), cols: d)
        // Dirichlet(5): normalised Gamma(5) draws, each a sum of five exponentials.
        let gammas = (0..<Self.clusters).map { _ in (0..<5).reduce(0.0) { s, _ in s - log(rng.nextUnit()) } }
        let total = gammas.reduce(0, +)
        var running = 0.0
        cumulativeWeights = gammas.map { running += $0 / total; return running }
        sigma = (0..<Self.clusters).map { _ in 0.4 + 0.4 * rng.nextUnit() }
        let lambda = (1...d).map { 1 / Double($0) }
        let lambdaSum = lambda.reduce(0, +)
        sqrtLambda = lambda.map { ($0 / lambdaSum).squareRoot() }
        basis = Self.orthonormal(d, rng: &rng)
    }

    /// `n` rows of the mixture (Float, unit norm).
    public func sample(_ n: Int, rng: inout SplitMix64) -> Matrix {
        let d = dimension
        let noise = correlatedNoise(n, rng: &rng)
        var out = [Float](repeating: 0, count: n * d)
        var row = [Double](repeating: 0, count: d)
        for i in 0..<n {
            let u = rng.nextUnit()
            let c = cumulativeWeights.firstIndex { u <= $0 } ?? Self.clusters - 1
            for j in 0..<d { row[j] = centers[c * d + j] + sigma[c] * noise[i * d + j] }
            Self.storeUnit(row, into: &out, at: i * d)
        }
        return try! Matrix(rows: n, cols: d, values: out)  // shape holds by construction
    }

    /// `n` rows of (z ∘ √λ)·basisᵀ with z standard normal: the within-cluster noise of unit scale.
    func correlatedNoise(_ n: Int, rng: inout SplitMix64) -> [Double] {
        let d = dimension
        var z = Self.gaussians(n * d, rng: &rng)
        for i in 0..<n { for j in 0..<d { z[i * d + j] *= sqrtLambda[j] } }
        return Self.multiply(z, rows: n, by: basis, d: d, transposingB: true)
    }

    /// A·Bᵀ (`transposingB`) or A·B for A (rows×d) and B (d×d), row-major.
    static func multiply(_ a: [Double], rows: Int, by b: [Double], d: Int, transposingB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: rows * d)
        guard rows > 0 else { return c }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, transposingB ? CblasTrans : CblasNoTrans, Int32(rows), Int32(d), Int32(d), 1, a, Int32(d),
                    b, Int32(d), 0, &c, Int32(d))
        return c
    }

    /// `count` standard normal draws, both halves of each Box–Muller pair used.
    static func gaussians(_ count: Int, rng: inout SplitMix64) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var i = 0
        while i < count {
            let r = (-2 * log(rng.nextUnit())).squareRoot(), t = 2 * Double.pi * rng.nextUnit()
            out[i] = r * cos(t)
            if i + 1 < count { out[i + 1] = r * sin(t) }
            i += 2
        }
        return out
    }

    /// A Haar-random d×d orthonormal matrix (Gram–Schmidt, twice, on a Gaussian matrix), row-major,
    /// orthonormal rows.
    static func orthonormal(_ d: Int, rng: inout SplitMix64) -> [Double] {
        var q = gaussians(d * d, rng: &rng)
        for i in 0..<d {
            for _ in 0..<2 {
                for k in 0..<i {
                    var dot = 0.0
                    for j in 0..<d { dot += q[i * d + j] * q[k * d + j] }
                    for j in 0..<d { q[i * d + j] -= dot * q[k * d + j] }
                }
            }
            var norm = 0.0
            for j in 0..<d { norm += q[i * d + j] * q[i * d + j] }
            norm = norm.squareRoot()
            for j in 0..<d { q[i * d + j] /= norm }
        }
        return q
    }

    static func unitRows(_ values: [Double], cols: Int) -> [Double] {
        var out = values
        for i in 0..<(values.count / cols) {
            let r = i * cols..<(i + 1) * cols
            let norm = out[r].reduce(0) { $0 + $1 * $1 }.squareRoot()
            for j in r { out[j] /= norm }
        }
        return out
    }

    /// Writes `row / ‖row‖` as Float at `offset`.
    static func storeUnit(_ row: [Double], into out: inout [Float], at offset: Int) {
        let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for j in 0..<row.count { out[offset + j] = Float(row[j] / norm) }
    }
}

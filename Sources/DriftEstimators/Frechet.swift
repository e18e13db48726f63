/// The baseline side of the Fréchet distance (DESIGN §5.3): mean, trace and √Σ_X.
public struct FrechetReference: Sendable, Codable, Equatable {
    public let mean: [Double]
    public let trace: Double
    /// Symmetric square root of Σ_X (negative eigenvalues clamped to 0), row-major d×d.
    public let sqrtCovariance: [Double]

    /// Precomputes √Σ_X with `dsyevd`.
    public init(moments: Moments) throws(EstimatorError) {
        let d = moments.dimensions
        let (w, v) = try Numerics.symmetricEigen(moments.covariance, d: d, vectors: true)
        // √Σ = V·diag(√w₊)·Vᵀ; V is column-major, so build V·diag column by column.
        var scaled = v
        let floor = Frechet.noiseFloor(w, d: d)
        for k in 0..<d {
            let s = w[k] > floor ? w[k].squareRoot() : 0
            for i in 0..<d { scaled[k * d + i] *= s }
        }
        self.mean = moments.mean
        self.trace = moments.trace
        self.sqrtCovariance = Frechet.columnMajorTimesTranspose(scaled, v, d: d)
    }
}

/// Fréchet (W2² between Gaussian fits): ‖μ_X−μ_Y‖² + Tr Σ_X + Tr Σ_Y − 2 Tr √(√Σ_X Σ_Y √Σ_X).
public enum Frechet {
    /// The distance between a precomputed baseline and the current window's moments.
    public static func distance(reference x: FrechetReference, current y: Moments) throws(EstimatorError) -> Double {
        let d = x.mean.count
        let m = Numerics.multiply(Numerics.multiply(x.sqrtCovariance, y.covariance, d: d), x.sqrtCovariance, d: d)
        // m is symmetric up to rounding; dsyevd reads one triangle.
        let (w, _) = try Numerics.symmetricEigen(m, d: d, vectors: false)
        var trSqrt = 0.0
        let floor = noiseFloor(w, d: d)
        for e in w where e > floor { trSqrt += e.squareRoot() }
        var meanTerm = 0.0
        for j in 0..<d { let t = x.mean[j] - y.mean[j]; meanTerm += t * t }
        return meanTerm + x.trace + y.trace - 2 * trSqrt
    }

    /// Eigenvalues below d·ε·λ_max are rounding noise of a (near-)singular matrix: they are clamped
    /// to 0 with the negative ones. Otherwise a zero eigenvalue computed as +1e-20 would add √1e-20
    /// (measured on the canonical dim_corrupt case: 7e-8 relative error against scipy's sqrtm).
    static func noiseFloor(_ w: [Double], d: Int) -> Double {
        Double(d) * Double.ulpOfOne * Swift.max(w.max() ?? 0, 0)
    }

    /// A·Bᵀ, row-major, for A and B given column-major d×d (LAPACK's eigenvector layout).
    static func columnMajorTimesTranspose(_ a: [Double], _ b: [Double], d: Int) -> [Double] {
        // A column-major buffer read row-major is Aᵀ; transposing gives row-major A.
        let rowMajorA = Numerics.transpose(a, rows: d, cols: d)
        let rowMajorB = Numerics.transpose(b, rows: d, cols: d)
        return Numerics.multiplyTransposed(rowMajorA, rowMajorB, m: d, n: d, k: d)
    }
}

import Foundation

/// The baseline side of the Gaussian KL (DESIGN §5.5): ridged covariance, its Cholesky factor,
/// inverse and log-determinant.
public struct GaussianReference: Sendable, Codable, Equatable {
    public let ridge: Double
    public let mean: [Double]
    /// Σ_X + ridge·I, row-major d×d.
    public let covariance: [Double]
    /// (Σ_X + ridge·I)⁻¹, row-major d×d.
    public let inverse: [Double]
    /// Lower Cholesky factor L_X of Σ_X + ridge·I, column-major d×d, zero above the diagonal.
    public let choleskyFactor: [Double]
    public let logDeterminant: Double

    /// Precomputes Cholesky-based quantities; throws `numerical` if Σ + ridge·I is not positive definite.
    public init(moments: Moments, ridge: Double = 1e-6) throws(EstimatorError) {
        let d = moments.dimensions
        let cov = Self.ridged(moments.covariance, d: d, ridge: ridge)
        let (factor, logDet) = try Numerics.cholesky(cov, d: d, context: "baseline")
        self.ridge = ridge
        self.mean = moments.mean
        self.covariance = cov
        self.inverse = try Numerics.inverseFromCholesky(factor, d: d)
        self.choleskyFactor = Numerics.lowerTriangle(factor, d: d)
        self.logDeterminant = logDet
    }

    static func ridged(_ covariance: [Double], d: Int, ridge: Double) -> [Double] {
        var cov = covariance
        for i in 0..<d { cov[i * d + i] += ridge }
        return cov
    }
}

/// KL divergences between Gaussian fits (nats): full covariance and diagonal, both directions.
public struct GaussianKL: Sendable, Codable, Equatable {
    /// D(N_base ‖ N_cur), full covariance.
    public let fullBaseCur: Double
    /// D(N_cur ‖ N_base), full covariance.
    public let fullCurBase: Double
    /// Sum of per-dimension KLs, baseline ‖ current.
    public let diagBaseCur: Double
    /// Sum of per-dimension KLs, current ‖ baseline.
    public let diagCurBase: Double

    /// Compares a precomputed baseline with the current window's moments (same ridge).
    ///
    /// Only the window's Cholesky factor L_Y is computed: tr(Σ_Y⁻¹Σ_X) = ‖L_Y⁻¹L_X‖²_F (one triangular
    /// solve against the stored L_X) and Δμᵀ Σ_Y⁻¹ Δμ = ‖L_Y⁻¹Δμ‖² replace inverting Σ_Y; the other
    /// direction uses the stored Σ_X⁻¹.
    public init(reference x: GaussianReference, current moments: Moments) throws(EstimatorError) {
        let d = x.mean.count
        let cov = GaussianReference.ridged(moments.covariance, d: d, ridge: x.ridge)
        let (factor, logDetY) = try Numerics.cholesky(cov, d: d, context: "current window")
        let dm = (0..<d).map { moments.mean[$0] - x.mean[$0] }
        let whitenedFactor = Numerics.solveLower(factor, x.choleskyFactor, d: d, columns: d)
        let whitenedShift = Numerics.solveLower(factor, dm, d: d, columns: 1)
        fullBaseCur = 0.5 * (Self.traceProduct(whitenedFactor, whitenedFactor) + Self.traceProduct(whitenedShift, whitenedShift)
            - Double(d) + logDetY - x.logDeterminant)
        fullCurBase = 0.5 * (Self.traceProduct(x.inverse, cov) + Self.quadratic(x.inverse, dm)
            - Double(d) + x.logDeterminant - logDetY)
        var bc = 0.0, cb = 0.0
        for j in 0..<d {
            let v0 = x.covariance[j * d + j], v1 = cov[j * d + j], m2 = dm[j] * dm[j]
            bc += v0 / v1 + m2 / v1 - 1 + log(v1 / v0)
            cb += v1 / v0 + m2 / v0 - 1 + log(v0 / v1)
        }
        diagBaseCur = 0.5 * bc
        diagCurBase = 0.5 * cb
    }

    /// Σ_ij A_ij B_ij: tr(A·B) for symmetric A, B, and ‖A‖²_F for A = B.
    static func traceProduct(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                var s = 0.0
                for i in 0..<pa.count { s += pa[i] * pb[i] }
                return s
            }
        }
    }

    /// vᵀ·A·v for row-major square A.
    static func quadratic(_ a: [Double], _ v: [Double]) -> Double {
        let d = v.count
        var s = 0.0
        for i in 0..<d {
            var row = 0.0
            for j in 0..<d { row += a[i * d + j] * v[j] }
            s += v[i] * row
        }
        return s
    }
}

import COpenBLAS

/// Column means and the unbiased (ddof 1) covariance of a sample, in `Double`.
public struct Moments: Sendable, Codable, Equatable {
    public let rows: Int
    public let dimensions: Int
    public let mean: [Double]
    /// Full symmetric d×d covariance, row-major, ddof 1 (as `np.cov`).
    public let covariance: [Double]

    /// Memberwise (`ResplitSummaries` derives moments without recomputing them).
    init(rows: Int, dimensions: Int, mean: [Double], covariance: [Double]) {
        self.rows = rows
        self.dimensions = dimensions
        self.mean = mean
        self.covariance = covariance
    }

    /// Computes mean and covariance; the centred Gram matrix comes from one `dsyrk`.
    public init(_ matrix: Matrix) throws(EstimatorError) {
        try matrix.requireUsable("moments")
        self.init(unchecked: matrix)
    }

    /// Same without validation (rows ≥ 2, finite). The centred rows are widened one block at a
    /// time and accumulated by `dsyrk`: the n×d Double copy is never materialised (writing it and
    /// reading it back cost more than the widening), and each block is still in cache for the BLAS call.
    init(unchecked matrix: Matrix) {
        let n = matrix.rows, d = matrix.cols
        var mean = [Double](repeating: 0, count: d)
        var cov = [Double](repeating: 0, count: d * d)
        let blockRows = Swift.max(1, Self.blockBytes / (MemoryLayout<Double>.stride * d))
        var block = [Double](repeating: 0, count: Swift.min(blockRows, n) * d)
        matrix.values.withUnsafeBufferPointer { src in
            mean.withUnsafeMutableBufferPointer { mu in
                Widening.addColumnSums(src.baseAddress!, rows: n, cols: d, into: mu.baseAddress!)
                for c in 0..<d { mu[c] /= Double(n) }
                block.withUnsafeMutableBufferPointer { buf in
                    cov.withUnsafeMutableBufferPointer { out in
                        var r0 = 0
                        while r0 < n {
                            let b = Swift.min(blockRows, n - r0)
                            Widening.centredRows(src.baseAddress! + r0 * d, rows: b, cols: d, mean: mu.baseAddress!, into: buf.baseAddress!)
                            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(b), 1.0 / Double(n - 1),
                                        buf.baseAddress, Int32(d), r0 == 0 ? 0.0 : 1.0, out.baseAddress, Int32(d))
                            r0 += b
                        }
                    }
                }
            }
        }
        for i in 0..<d { for j in 0..<i { cov[i * d + j] = cov[j * d + i] } }
        self.rows = n
        self.dimensions = d
        self.mean = mean
        self.covariance = cov
    }

    /// Bytes of widened rows per `dsyrk` call: half of a 512 KiB per-core L2, so the block is still
    /// cached when BLAS reads it.
    static let blockBytes = 256 * 1024

    /// Same from an already widened row-major buffer (rows ≥ 2, finite).
    init(widened x: [Double], rows n: Int, cols d: Int) {
        var mean = [Double](repeating: 0, count: d)
        var centred = x
        x.withUnsafeBufferPointer { src in
            mean.withUnsafeMutableBufferPointer { mu in
                for r in 0..<n { for c in 0..<d { mu[c] += src[r * d + c] } }
                for c in 0..<d { mu[c] /= Double(n) }
            }
        }
        centred.withUnsafeMutableBufferPointer { dst in
            mean.withUnsafeBufferPointer { mu in
                for r in 0..<n { for c in 0..<d { dst[r * d + c] -= mu[c] } }
            }
        }
        self.init(centred: centred, mean: mean, rows: n, cols: d)
    }

    /// Covariance from centred rows through `dsyrk` (dsyrk fills the upper triangle only; mirrored here).
    init(centred: [Double], mean: [Double], rows n: Int, cols d: Int) {
        var cov = [Double](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { a in
            cov.withUnsafeMutableBufferPointer { c in
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n),
                            1.0 / Double(n - 1), a.baseAddress, Int32(d), 0.0, c.baseAddress, Int32(d))
            }
        }
        for i in 0..<d { for j in 0..<i { cov[i * d + j] = cov[j * d + i] } }
        self.rows = n
        self.dimensions = d
        self.mean = mean
        self.covariance = cov
    }

    /// Diagonal of the covariance (per-dimension variances, ddof 1).
    public var variances: [Double] { (0..<dimensions).map { covariance[$0 * dimensions + $0] } }

    /// Sum of variances.
    public var trace: Double { variances.reduce(0, +) }
}

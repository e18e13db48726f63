import COpenBLAS
import Foundation

/// Thin typed wrappers over the BLAS/LAPACK calls the estimators share; no C pointer leaks out.
enum Numerics {
    /// Sorted copy of `values` (radix sort).
    static func sorted(_ values: [Double]) -> [Double] {
        var out = values
        sortSegments(&out, count: 1, length: out.count)
        return out
    }

    /// Transposes a row-major rows×cols buffer into cols×rows (each column becomes contiguous).
    static func transpose(_ a: [Double], rows: Int, cols: Int) -> [Double] {
        var out = [Double](repeating: 0, count: a.count)
        a.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                // Blocked so both sides stay in cache for wide matrices.
                let block = 32
                var r0 = 0
                while r0 < rows {
                    let r1 = Swift.min(r0 + block, rows)
                    for c in 0..<cols {
                        for r in r0..<r1 { dst[c * rows + r] = src[r * cols + c] }
                    }
                    r0 = r1
                }
            }
        }
        return out
    }

    /// Column-major Double copy of a row-major Float matrix (blocked transpose + widening).
    static func transposeWidened(_ m: Matrix) -> [Double] {
        let rows = m.rows, cols = m.cols
        return [Double](unsafeUninitializedCapacity: rows * cols) { dst, initialized in
            m.values.withUnsafeBufferPointer { src in
                let block = 64
                var r0 = 0
                while r0 < rows {
                    let r1 = Swift.min(r0 + block, rows)
                    for c in 0..<cols { for r in r0..<r1 { dst[c * rows + r] = Double(src[r * cols + c]) } }
                    r0 = r1
                }
            }
            initialized = rows * cols
        }
    }

    /// Each of `count` contiguous segments of length `length` sorted ascending, in place (radix
    /// sort; this target is compiled optimised in debug builds too, see Package.swift).
    static func sortSegments(_ a: inout [Double], count: Int, length: Int) {
        a.withUnsafeMutableBufferPointer { buf in RadixSort.sortSegments(buf, count: count, length: length) }
    }

    /// Every column of `m` sorted ascending, column-major Double.
    static func sortedColumns(_ m: Matrix) -> [Double] { RadixSort.sortedColumns(m) }

    /// C = A·Bᵀ for row-major A (m×k) and B (n×k): C is m×n.
    static func multiplyTransposed(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int) -> [Double] {
        guard m > 0, n > 0 else { return [Double](repeating: 0, count: m * n) }
        // dgemm with beta 0 overwrites C: no need to zero it first.
        var c = [Double](unsafeUninitializedCapacity: m * n) { _, count in count = m * n }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                                1.0, pa.baseAddress, Int32(k), pb.baseAddress, Int32(k), 0.0, pc.baseAddress, Int32(n))
                }
            }
        }
        return c
    }

    /// C = A·B for square row-major d×d matrices.
    static func multiply(_ a: [Double], _ b: [Double], d: Int) -> [Double] {
        var c = [Double](repeating: 0, count: d * d)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(d), Int32(d), Int32(d),
                                1.0, pa.baseAddress, Int32(d), pb.baseAddress, Int32(d), 0.0, pc.baseAddress, Int32(d))
                }
            }
        }
        return c
    }

    /// Eigen-decomposition of a symmetric d×d matrix (`dsyevd`): ascending eigenvalues and,
    /// if requested, eigenvectors stored column-major (vector k = `vectors[k*d ..< (k+1)*d]`).
    static func symmetricEigen(_ a: [Double], d: Int, vectors: Bool) throws(EstimatorError) -> (values: [Double], vectors: [Double]) {
        var work = a
        var w = [Double](repeating: 0, count: d)
        var n = Int32(d), lda = Int32(d), info: Int32 = 0
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 1)
        var iwq = [Int32](repeating: 0, count: 1)
        let job = vectors ? "V" : "N"
        job.withCString { jobz in
            "U".withCString { uplo in
                dsyevd_(jobz, uplo, &n, &work, &lda, &w, &wq, &lwork, &iwq, &liwork, &info)
                lwork = Int32(wq[0]); liwork = iwq[0]
                var wk = [Double](repeating: 0, count: Int(Swift.max(lwork, 1)))
                var iwk = [Int32](repeating: 0, count: Int(Swift.max(liwork, 1)))
                dsyevd_(jobz, uplo, &n, &work, &lda, &w, &wk, &lwork, &iwk, &liwork, &info)
            }
        }
        guard info == 0 else { throw EstimatorError(.numerical, "dsyevd failed (info \(info)) on a \(d)x\(d) matrix") }
        return (w, vectors ? work : [])
    }

    /// Lower Cholesky factor of a symmetric positive-definite matrix (`dpotrf`), row-major
    /// symmetric input; returns the factor column-major plus log-determinant.
    static func cholesky(_ a: [Double], d: Int, context: String) throws(EstimatorError) -> (factor: [Double], logDet: Double) {
        var f = a
        var n = Int32(d), lda = Int32(d), info: Int32 = 0
        "L".withCString { uplo in dpotrf_(uplo, &n, &f, &lda, &info) }
        guard info == 0 else {
            throw EstimatorError(.numerical, "\(context): covariance is not positive definite even with the ridge (dpotrf info \(info))")
        }
        var logDet = 0.0
        for i in 0..<d { logDet += 2 * log(f[i * d + i]) }
        return (f, logDet)
    }

    /// The lower triangle of a column-major `cholesky` factor, zeros above (dpotrf leaves the input there).
    static func lowerTriangle(_ factor: [Double], d: Int) -> [Double] {
        var out = factor
        for j in 0..<d { for i in 0..<j { out[j * d + i] = 0 } }
        return out
    }

    /// L⁻¹B for the column-major lower `cholesky` factor L and column-major B (d × columns), by `dtrsm`.
    static func solveLower(_ factor: [Double], _ b: [Double], d: Int, columns: Int) -> [Double] {
        var out = b
        factor.withUnsafeBufferPointer { l in
            out.withUnsafeMutableBufferPointer { x in
                cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, Int32(d), Int32(columns),
                            1.0, l.baseAddress, Int32(d), x.baseAddress, Int32(d))
            }
        }
        return out
    }

    /// Inverse of a symmetric positive-definite matrix from its `cholesky` factor (`dpotri`), full symmetric.
    static func inverseFromCholesky(_ factor: [Double], d: Int) throws(EstimatorError) -> [Double] {
        var inv = factor
        var n = Int32(d), lda = Int32(d), info: Int32 = 0
        "L".withCString { uplo in dpotri_(uplo, &n, &inv, &lda, &info) }
        guard info == 0 else { throw EstimatorError(.numerical, "dpotri failed (info \(info))") }
        // Only the lower triangle (column-major) is written: mirror it.
        for j in 0..<d { for i in (j + 1)..<Swift.max(j + 1, d) { inv[i * d + j] = inv[j * d + i] } }
        return inv
    }
}

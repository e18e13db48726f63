import COpenBLAS
import Dispatch
import TwinwatchCore

/// The arithmetic rate of this machine's BLAS on one thread, and the least time each estimator's
/// BLAS work on a window can take at that rate: the floor under a speed target. An estimator cannot
/// beat its floor without doing less arithmetic (or arithmetic in lower precision than DESIGN §5's
/// tolerances allow), whatever the code around the BLAS calls does.
public struct BLASPeak: Sendable {
    /// GFlop/s of a large square `dgemm` and `sgemm`, fastest of a few runs.
    public let doubleGFlops: Double
    public let floatGFlops: Double

    /// Times `dgemm` and `sgemm` on `size`² matrices (the best of `runs`: a shared machine slows
    /// single runs by up to 2×); ~1 s at the defaults.
    public static func measure(size: Int = 1536, runs: Int = 5) -> BLASPeak {
        let n = Int32(size), count = size * size
        let da = [Double](repeating: 0.5, count: count), db = [Double](repeating: 0.25, count: count)
        var dc = [Double](repeating: 0, count: count)
        let fa = [Float](repeating: 0.5, count: count), fb = [Float](repeating: 0.25, count: count)
        var fc = [Float](repeating: 0, count: count)
        let flops = 2 * Double(size) * Double(size) * Double(size)
        func best(_ call: () -> Void) -> Double {
            var fastest = Double.infinity
            for _ in 0..<runs {
                let t0 = DispatchTime.now().uptimeNanoseconds
                call()
                fastest = Swift.min(fastest, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            }
            return flops / fastest / 1e9
        }
        let d = best {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, da, n, db, n, 0, &dc, n)
        }
        let f = best {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, fa, n, fb, n, 0, &fc, n)
        }
        return BLASPeak(doubleGFlops: d, floatGFlops: f)
    }

    public init(doubleGFlops: Double, floatGFlops: Double) {
        self.doubleGFlops = doubleGFlops
        self.floatGFlops = floatGFlops
    }

    /// Seconds of the window-side BLAS work of `kind` at peak rate, for a window of m rows against
    /// a baseline of n rows (d dimensions, L projections); nil where the estimator does no BLAS work.
    /// - sliced: the Double projection of the window, 2·m·d·L (Float projections err ~1e-7, above 1e-9);
    /// - Fréchet, Gaussian KL: the window covariance (`dsyrk`), m·d·(d+1);
    /// - histogram KL: the Float projections of the window (bins are checked exactly at the edges), 2·m·d·L;
    /// - kNN KL: window × baseline and window × window (one triangle) distances in Float, 2·m·n·d + m·(m−1)·d.
    public func floorSeconds(_ kind: DriftEstimatorKind, m: Int, n: Int, d: Int, projections l: Int) -> Double? {
        let m = Double(m), n = Double(n), d = Double(d), l = Double(l)
        switch kind {
        case .sliced: return 2 * m * d * l / (doubleGFlops * 1e9)
        case .frechet, .gaussianKL: return m * d * (d + 1) / (doubleGFlops * 1e9)
        case .histKL: return 2 * m * d * l / (floatGFlops * 1e9)
        case .knnKL: return (2 * m * n * d + m * (m - 1) * d) / (floatGFlops * 1e9)
        case .w1, .norm, .health: return nil
        }
    }
}

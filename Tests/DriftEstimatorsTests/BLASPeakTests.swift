import DriftEstimators
import Testing

@Suite("BLAS threads and floors")
struct BLASPeakTests {
    @Test("floors count each estimator's window-side arithmetic at the given rate")
    func floors() {
        let peak = BLASPeak(doubleGFlops: 32, floatGFlops: 64)
        let m = 10_000, n = 10_000, d = 256, l = 128
        // Window covariance: m·d·(d+1) flops = 657.9 MFlop → 20.56 ms at 32 GFlop/s.
        #expect(abs(peak.floorSeconds(.frechet, m: m, n: n, d: d, projections: l)! - 0.020_56) < 1e-5)
        #expect(peak.floorSeconds(.gaussianKL, m: m, n: n, d: d, projections: l) == peak.floorSeconds(.frechet, m: m, n: n, d: d, projections: l))
        // Double projections 2·m·d·L = 655.4 MFlop → 20.48 ms; the Float ones for histograms at twice the rate.
        #expect(abs(peak.floorSeconds(.sliced, m: m, n: n, d: d, projections: l)! - 0.020_48) < 1e-5)
        #expect(abs(peak.floorSeconds(.histKL, m: m, n: n, d: d, projections: l)! - 0.010_24) < 1e-5)
        // kNN: 2·m·n·d + m·(m−1)·d = 76.8 GFlop → 1.2 s at 64 GFlop/s.
        #expect(abs(peak.floorSeconds(.knnKL, m: m, n: n, d: d, projections: l)! - 1.199_96) < 1e-4)
        #expect(peak.floorSeconds(.w1, m: m, n: n, d: d, projections: l) == nil)
    }

    @Test("the measured peak is a positive rate and BLAS can be held to the calling thread")
    func measuredPeak() {
        BLASThreads.useCallingThreadOnly()
        #expect(BLASThreads.count == 1)
        let peak = BLASPeak.measure(size: 256, runs: 1)
        #expect(peak.doubleGFlops > 0 && peak.doubleGFlops.isFinite)
        #expect(peak.floatGFlops > 0 && peak.floatGFlops.isFinite)
    }
}

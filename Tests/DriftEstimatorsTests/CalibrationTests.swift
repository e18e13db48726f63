import Foundation
import Testing
@testable import DriftEstimators

/// Null calibration: rank p-values, multiple testing, false-alarm rate on no-drift data, power.
@Suite struct CalibrationTests {
    @Test func pValueAndZ() {
        let null = NullDistribution(scores: [4, 1, 3, 2])
        #expect(null.sortedScores == [1, 2, 3, 4])
        #expect(null.pValue(3.5) == 2.0 / 5 && null.pValue(3) == 3.0 / 5)
        #expect(null.pValue(0) == 1 && null.pValue(10) == 1.0 / 5)
        #expect(abs(null.mean - 2.5) < 1e-15 && abs(null.std - (5.0 / 3).squareRoot()) < 1e-15)
        #expect(abs(null.z(4) - 1.5 / (5.0 / 3).squareRoot()) < 1e-12)
        let flat = NullDistribution(scores: [2, 2, 2])
        #expect(flat.z(2) == 0 && flat.z(3).isFinite && flat.z(3) > 0)
    }

    @Test func multipleTesting() {
        let p = [0.01, 0.04, 0.03, 0.2]
        let bh = MultipleTesting.benjaminiHochberg(p)
        let want = [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2]
        for i in 0..<4 { #expect(abs(bh[i] - want[i]) < 1e-15) }
        #expect(MultipleTesting.bonferroni(p) == [0.04, 0.16, 0.12, 0.8])
        #expect(MultipleTesting.combined(p, method: .bh) == 0.04)
        #expect(MultipleTesting.combined([0.5, 0.3], method: .bonferroni) == 0.6)
        #expect(MultipleTesting.combined([], method: .bh) == 1)
    }

    /// Upper end of the central 99 % interval of Binomial(n, 0.01) (the lower end is 0 for n ≤ ~500).
    static func binomialBounds(_ n: Int, p: Double = 0.01) -> (Int, Int) {
        var cdf = 0.0, lo = -1, hi = n
        var pmf = pow(1 - p, Double(n))
        for k in 0...n {
            if k > 0 { pmf *= Double(n - k + 1) / Double(k) * p / (1 - p) }
            let before = cdf
            cdf += pmf
            if lo < 0 && cdf > 0.005 { lo = before > 0.005 ? k - 1 : k }
            if cdf >= 0.995 { hi = k; break }
        }
        return (max(lo, 0), hi)
    }

    static let scales = [1.0, 0.7, 0.4, 0.2]

    /// ≥ 200 independent no-drift windows per size: the fraction with p < 0.01 must lie in the
    /// 99 % binomial interval around 1 %. Small d and L keep this cheap; calibration does not depend on them.
    /// B = 500 (not the minimum 200) because all windows share one null: its estimated 99th percentile
    /// must be tight for the per-window rate to be close to 1 % (with B = 200 it varies like Beta(2, 200)).
    @Test(arguments: [50, 200, 2000])
    func falseAlarmRateOnNoDriftData(windowSize m: Int) throws {
        var g = Gaussian(seed: 1000 + UInt64(m))
        let reference = g.matrix(rows: 2000, cols: 4, scale: Self.scales)
        // The pool is 50× the window: null draws share the pool, whose own sampling noise shifts the
        // null by ~√(m/pool) null-sd (measured: at 10× the kNN KL false-alarm rate reached 6 %).
        let pool = g.matrix(rows: 50 * m, cols: 4, scale: Self.scales)
        var kinds: Set<DriftEstimatorKind> = [.w1, .sliced, .frechet, .gaussianKL, .histKL]
        if m <= 200 { kinds.insert(.knnKL) }
        let summary = try BaselineSummary(baseline: reference, configuration: DriftConfiguration(estimators: kinds, projections: 16))
        let null = try NullCalibration.calibrate(summary: summary, pool: pool, windowSize: m, resamples: 500, seed: 7)
        #expect(null.distributions.count == kinds.count)
        let windows = 200
        var alarms = [DriftEstimatorKind: Int](), combinedAlarms = 0
        for _ in 0..<windows {
            let s = try summary.evaluate(g.matrix(rows: m, cols: 4, scale: Self.scales))
            let p = null.pValues(for: s)
            for (k, v) in p where v < 0.01 { alarms[k, default: 0] += 1 }
            if MultipleTesting.combined(Array(p.values), method: .bh) < 0.01 { combinedAlarms += 1 }
        }
        let (lo, hi) = Self.binomialBounds(windows)
        print("FAR m=\(m): \(alarms.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }) combined=\(combinedAlarms) of \(windows), interval [\(lo), \(hi)]")
        for k in kinds {
            let a = alarms[k] ?? 0
            #expect(a >= lo && a <= hi, "\(k.rawValue) at m=\(m): \(a) of \(windows) windows with p < 0.01")
        }
        #expect(combinedAlarms >= lo && combinedAlarms <= hi, "BH-combined at m=\(m): \(combinedAlarms)")
    }

    /// Mean shift 0.05 (in norm, random direction) at m = 2000 is detected at p < 0.001 by SW2 and Fréchet.
    @Test func meanShiftIsDetected() throws {
        let d = 32
        let scale = (0..<d).map { 0.4 / Double($0 + 1).squareRoot() }
        var g = Gaussian(seed: 77)
        var u = (0..<d).map { _ in g.next() }
        let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        u = u.map { 0.05 * $0 / norm }
        // Reference and window of equal size (like the golden mean_shift case, n = m = 2000).
        let reference = g.matrix(rows: 2000, cols: d, scale: scale)
        let pool = g.matrix(rows: 20000, cols: d, scale: scale)
        let summary = try BaselineSummary(baseline: reference, configuration: DriftConfiguration(estimators: [.sliced, .frechet]))
        let null = try NullCalibration.calibrate(summary: summary, pool: pool, windowSize: 2000, resamples: 1000, seed: 3)
        let shifted = try summary.evaluate(g.matrix(rows: 2000, cols: d, scale: scale, shift: u))
        let clean = try summary.evaluate(g.matrix(rows: 2000, cols: d, scale: scale))
        let p = null.pValues(for: shifted), p0 = null.pValues(for: clean)
        print("mean shift 0.05: p=\(p) z=\(null.zScores(for: shifted)); no shift p=\(p0)")
        #expect(try #require(p[.sliced]) < 0.001)
        #expect(try #require(p[.frechet]) < 0.001)
        #expect(try #require(p0[.sliced]) > 0.001 && p0[.frechet]! > 0.001)
    }

    @Test func summaryAndNullRoundTripThroughCodable() throws {
        var g = Gaussian(seed: 4)
        let split = try BaselineSplit(g.matrix(rows: 400, cols: 5), poolRows: 200, seed: 1)
        #expect(split.reference.rows == 200 && split.pool.rows == 200)
        let summary = try BaselineSummary(baseline: split.reference, configuration: DriftConfiguration(projections: 8))
        let null = try NullCalibration.calibrate(summary: summary, pool: split.pool, windowSize: 50, resamples: 20)
        let window = g.matrix(rows: 50, cols: 5)
        let s2 = try JSONDecoder().decode(BaselineSummary.self, from: JSONEncoder().encode(summary))
        let n2 = try JSONDecoder().decode(NullCalibration.self, from: JSONEncoder().encode(null))
        let a = try summary.evaluate(window), b = try s2.evaluate(window)
        #expect(a == b)
        #expect(n2 == null && null.pValues(for: a) == n2.pValues(for: b))
        let verdict = null.assess(a, method: .bonferroni)
        #expect(verdict.combinedP == MultipleTesting.combined(Array(verdict.pValues.values), method: .bonferroni))
        #expect(verdict.pValues.count == 6 && verdict.pValues.values.allSatisfy { $0 > 0 && $0 <= 1 })
        // Same seed, same null; different seed, different draws.
        #expect(try NullCalibration.calibrate(summary: summary, pool: split.pool, windowSize: 50, resamples: 20) == null)
        #expect(try NullCalibration.calibrate(summary: summary, pool: split.pool, windowSize: 50, resamples: 20, seed: 9) != null)
        // Threads change the speed, not the result.
        #expect(try NullCalibration.calibrate(summary: summary, pool: split.pool, windowSize: 50, resamples: 20, threads: 3) == null)
        #expect(throws: EstimatorError.self) { try NullCalibration.calibrate(summary: summary, pool: split.pool, windowSize: 300) }
    }
}

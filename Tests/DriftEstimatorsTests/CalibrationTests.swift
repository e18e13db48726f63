import Foundation
import Testing
@testable import DriftEstimators
import TwinwatchCore

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

    /// The null is valid at the documented minimum baseline size (n = 4·m): over 200 independent
    /// (baseline, window) pairs with no drift, the fraction with p ≤ 1/(B+1) ≈ 1 % lies in the 99 %
    /// binomial interval, for every estimator and for the BH combination. Each pair has its own
    /// baseline and re-split null, as each deployment has its own baseline. Small d and L keep it cheap.
    @Test(arguments: [50, 200])
    func falseAlarmRateAtTheMinimumBaselineSize(windowSize m: Int) throws {
        var g = Gaussian(seed: 1000 + UInt64(m))
        var kinds: Set<DriftEstimatorKind> = [.w1, .sliced, .frechet, .gaussianKL, .histKL, .norm]
        if m <= 50 { kinds.insert(.knnKL) }
        let configuration = DriftConfiguration(estimators: kinds, projections: 16)
        let n = NullCalibration.minimumBaselineRatio * m
        let (pairs, b) = (200, 99)
        var alarms = [DriftEstimatorKind: Int](), combinedAlarms = 0
        for pair in 0..<pairs {
            let baseline = g.matrix(rows: n, cols: 4, scale: Self.scales)
            let null = try NullCalibration.calibrate(baseline: baseline, windowSize: m, configuration: configuration, resamples: b, seed: UInt64(pair))
            #expect(null.distributions.count == kinds.count && null.referenceRows == n - m)
            let reference = try BaselineSummary(baseline: BaselineSplit(baseline, windowSize: m, seed: UInt64(pair)).reference, configuration: configuration)
            let verdict = null.assess(try reference.evaluate(g.matrix(rows: m, cols: 4, scale: Self.scales)))
            for (k, v) in verdict.pValues where v <= 1 / Double(b + 1) { alarms[k, default: 0] += 1 }
            if verdict.combinedP <= 1 / Double(b + 1) { combinedAlarms += 1 }
        }
        let (lo, hi) = Self.binomialBounds(pairs)
        print("FAR m=\(m) n=\(n): \(alarms.sorted { $0.key < $1.key }.map { "\($0.key.rawValue)=\($0.value)" }) max-z combined=\(combinedAlarms) of \(pairs), interval [\(lo), \(hi)]")
        for k in kinds {
            let a = alarms[k] ?? 0
            #expect(a >= lo && a <= hi, "\(k.rawValue) at m=\(m): \(a) of \(pairs) windows with p ≤ 1/(B+1)")
        }
        #expect(combinedAlarms >= lo && combinedAlarms <= hi, "max-z combined at m=\(m): \(combinedAlarms)")
    }

    /// Below the documented minimum the null is refused with a message naming the sizes.
    @Test func smallBaselinesAreRefused() throws {
        var g = Gaussian(seed: 5)
        let baseline = g.matrix(rows: 4 * 50 - 1, cols: 4)
        #expect {
            try NullCalibration.calibrate(baseline: baseline, windowSize: 50, configuration: DriftConfiguration(estimators: [.w1]))
        } throws: { error in
            "\(error)".contains("199 rows") && "\(error)".contains("200 rows")
        }
        #expect(throws: EstimatorError.self) {
            try NullCalibration.calibrate(baseline: g.matrix(rows: 1000, cols: 4), windowSize: NullCalibration.minimumWindow - 1,
                                          configuration: DriftConfiguration(estimators: [.w1]))
        }
        #expect(NullCalibration.largestWindow(baselineRows: 199) == 49 && NullCalibration.largestWindow(baselineRows: 79) == nil)
    }

    /// Mean shift 0.05 (in norm, random direction) at m = 2000 is detected at the smallest p-value by SW2 and Fréchet.
    @Test func meanShiftIsDetected() throws {
        let d = 32
        let scale = (0..<d).map { 0.4 / Double($0 + 1).squareRoot() }
        var g = Gaussian(seed: 77)
        var u = (0..<d).map { _ in g.next() }
        let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        u = u.map { 0.05 * $0 / norm }
        let baseline = g.matrix(rows: 4 * 2000, cols: d, scale: scale)
        let configuration = DriftConfiguration(estimators: [.sliced, .frechet])
        let null = try NullCalibration.calibrate(baseline: baseline, windowSize: 2000, configuration: configuration, resamples: 200, seed: 3)
        let reference = try BaselineSummary(baseline: BaselineSplit(baseline, windowSize: 2000, seed: 3).reference, configuration: configuration)
        let shifted = try reference.evaluate(g.matrix(rows: 2000, cols: d, scale: scale, shift: u))
        let clean = try reference.evaluate(g.matrix(rows: 2000, cols: d, scale: scale))
        let p = null.pValues(for: shifted), p0 = null.pValues(for: clean)
        print("mean shift 0.05: p=\(p) z=\(null.zScores(for: shifted)); no shift p=\(p0)")
        #expect(try #require(p[DriftEstimatorKind.sliced]) == 1.0 / 201)
        #expect(try #require(p[DriftEstimatorKind.frechet]) == 1.0 / 201)
        #expect(try #require(p0[DriftEstimatorKind.sliced]) > 0.01 && p0[DriftEstimatorKind.frechet]! > 0.01)
    }

    @Test func summaryAndNullRoundTripThroughCodable() throws {
        var g = Gaussian(seed: 4)
        let baseline = g.matrix(rows: 400, cols: 5)
        let configuration = DriftConfiguration(projections: 8)
        let split = try BaselineSplit(baseline, windowSize: 50, seed: 1)
        #expect(split.reference.rows == 350)
        let summary = try BaselineSummary(baseline: split.reference, configuration: configuration)
        let null = try NullCalibration.calibrate(baseline: baseline, windowSize: 50, configuration: configuration, resamples: 20)
        let window = g.matrix(rows: 50, cols: 5)
        let s2 = try JSONDecoder().decode(BaselineSummary.self, from: JSONEncoder().encode(summary))
        let n2 = try JSONDecoder().decode(NullCalibration.self, from: JSONEncoder().encode(null))
        let a = try summary.evaluate(window), b = try s2.evaluate(window)
        #expect(a == b)
        #expect(n2 == null && null.pValues(for: a) == n2.pValues(for: b))
        let verdict = null.assess(a, method: .bonferroni)
        #expect(verdict.combinedP == MultipleTesting.combined(Array(verdict.pValues.values), method: .bonferroni))
        #expect(verdict.pValues.count == 7 && verdict.pValues.values.allSatisfy { $0 > 0 && $0 <= 1 })
        // The default combination ranks the largest z among the replicates' largest z.
        let maxZ = null.assess(a)
        #expect(maxZ.method == .maxZ && maxZ.combinedP == null.maxZ!.pValue(maxZ.z.values.max()!))
        // Same seed, same null; different seed, different splits.
        #expect(try NullCalibration.calibrate(baseline: baseline, windowSize: 50, configuration: configuration, resamples: 20) == null)
        #expect(try NullCalibration.calibrate(baseline: baseline, windowSize: 50, configuration: configuration, resamples: 20, seed: 9) != null)
        // Threads change the speed, not the result.
        #expect(try NullCalibration.calibrate(baseline: baseline, windowSize: 50, configuration: configuration, resamples: 20, threads: 3) == null)
        // A null stored by 0.3.x (a fixed pool, `poolRows`) still decodes, with no reference size.
        let legacy = #"{"windowSize":50,"resamples":1,"seed":1,"poolRows":200,"distributions":{"w1":{"sortedScores":[1],"mean":1,"std":0}}}"#
        #expect(try JSONDecoder().decode(NullCalibration.self, from: Data(legacy.utf8)).referenceRows == 0)
    }
}

/// The norm estimator: W1 between row-norm distributions, against a naive computation; one
/// estimator far outside its null gives the max-z combination its smallest p-value.
@Suite struct NormDriftTests {
    @Test func normW1MatchesTheNaiveDefinition() throws {
        var g = Gaussian(seed: 21)
        let x = g.matrix(rows: 300, cols: 6), y = g.matrix(rows: 200, cols: 6, scale: [1.1, 1, 1, 1, 1, 1])
        func norms(_ m: Matrix) -> [Double] {
            (0..<m.rows).map { r in (0..<m.cols).reduce(0.0) { $0 + Double(m[r, $1]) * Double(m[r, $1]) }.squareRoot() }.sorted()
        }
        let a = norms(x), b = norms(y)
        // ∫|F_a − F_b| by brute force over the merged breakpoints.
        let points = (a + b).sorted()
        var expected = 0.0
        for i in 0..<(points.count - 1) {
            let t = points[i]
            let fa = Double(a.filter { $0 <= t }.count) / Double(a.count), fb = Double(b.filter { $0 <= t }.count) / Double(b.count)
            expected += abs(fa - fb) * (points[i + 1] - t)
        }
        let s = try Drift.compare(baseline: x, current: y, configuration: DriftConfiguration(estimators: [.norm]))
        #expect(abs(try #require(s.norm) - expected) <= 1e-12 * max(1, expected))
        #expect(s.primaryScore(.norm) == s.norm)
    }

    @Test func oneEstimatorAloneReachesTheSmallestCombinedP() throws {
        var g = Gaussian(seed: 8)
        let unit: (Matrix) -> Matrix = { m in
            var v = m.values
            for r in 0..<m.rows {
                let n = (0..<m.cols).reduce(0.0) { $0 + Double(v[r * m.cols + $1]) * Double(v[r * m.cols + $1]) }.squareRoot()
                for c in 0..<m.cols { v[r * m.cols + c] = Float(Double(v[r * m.cols + c]) / n) }
            }
            return try! Matrix(rows: m.rows, cols: m.cols, values: v)
        }
        let baseline = unit(g.matrix(rows: 2000, cols: 8))
        let configuration = DriftConfiguration(estimators: [.w1, .frechet, .norm], projections: 8)
        let null = try NullCalibration.calibrate(baseline: baseline, windowSize: 200, configuration: configuration, resamples: 99, seed: 2)
        let reference = try BaselineSummary(baseline: BaselineSplit(baseline, windowSize: 200, seed: 2).reference, configuration: configuration)
        // Unit rows scaled by 1.01: directions unchanged, norms all moved.
        var scaled = unit(g.matrix(rows: 200, cols: 8))
        scaled.values = scaled.values.map { $0 * 1.01 }
        let verdict = null.assess(try reference.evaluate(scaled))
        #expect(verdict.pValues[.norm] == 0.01 && verdict.combinedP == 0.01)
        #expect(MultipleTesting.combined(Array(verdict.pValues.values), method: .bh) > 0.01)
    }
}

/// A replicate's reference derived from the whole baseline's summaries (`ResplitSummaries`)
/// scores windows as the reference summarised directly from the remaining rows does.
@Suite struct ResplitSummaryTests {
    @Test func derivedReferenceMatchesTheDirectOne() throws {
        var g = Gaussian(seed: 31)
        // Ties (rounded values) exercise the multiset removal.
        var baseline = g.matrix(rows: 600, cols: 6, scale: [1, 0.8, 0.6, 0.4, 0.2, 0.1])
        baseline.values = baseline.values.enumerated().map { $0.offset % 7 == 0 ? ($0.element * 8).rounded() / 8 : $0.element }
        let configuration = DriftConfiguration(estimators: [.w1, .sliced, .frechet, .gaussianKL, .histKL, .norm], projections: 16)
        let derived = try #require(ResplitSummaries(baseline: baseline, configuration: configuration))
        var rng = SplitMix64(seed: 4)
        for _ in 0..<3 {
            let removed = Sampling.indices(choose: 150, from: 600, rng: &rng)
            let direct = try BaselineSummary(baseline: baseline.selectingRows(NullCalibration.complement(of: removed, in: 600)), configuration: configuration)
            let fast = try derived.summary(excluding: removed, rows: baseline.selectingRows(removed))
            #expect(fast.sortedColumns?.columns == direct.sortedColumns?.columns)
            #expect(fast.projected?.sorted.count == direct.projected?.sorted.count && fast.sortedNorms == direct.sortedNorms)
            #expect(fast.dimensionHistograms?.counts == direct.dimensionHistograms?.counts)
            for window in [baseline.selectingRows(removed), g.matrix(rows: 150, cols: 6)] {
                let a = try fast.evaluate(window), b = try direct.evaluate(window)
                for kind in configuration.estimators {
                    let x = try #require(a.primaryScore(kind)), y = try #require(b.primaryScore(kind))
                    #expect(abs(x - y) <= 1e-9 * max(abs(y), 1e-12), "\(kind.rawValue): \(x) vs \(y)")
                }
            }
        }
        // kNN KL and health are not derived: the generic path is used.
        #expect(ResplitSummaries(baseline: baseline, configuration: DriftConfiguration(estimators: [.knnKL])) == nil)
    }
}

import Dispatch
import Foundation
import Testing
@testable import DriftEstimators
import TwinwatchCore

/// No input may hang or crash an estimator (issue 25): every estimator and the null calibration run
/// on matrices built to hit numerical corners — ranges symmetric about zero (the bin-edge search
/// once walked ~2⁶² ulps there), constant and almost-constant columns, quantised values, subnormals,
/// huge magnitudes, duplicated rows, 1–3 rows, one dimension. Each run has a time bound on a thread
/// of its own; the outcome must be scores that are all finite or a typed `EstimatorError`.
@Suite struct AdversarialInputTests {
    /// Every case completes well inside this (the slowest takes ~0.2 s in a debug build).
    static let bound: Duration = .seconds(20)

    @Test("bin edges: the smallest value of each bin, in a bounded search, on ranges symmetric about zero and beyond")
    func binEdgesAreExact() {
        var rng = SplitMix64(seed: 2512)
        var ranges: [(Double, Double)] = [(-0.9, 0.9), (-1, 1), (-127.0 / 127, 1), (-1e30, 1e30), (-1e-300, 1e-300),
                                          (-Double.leastNonzeroMagnitude, Double.leastNonzeroMagnitude), (0, 5e-324 * 3),
                                          (-3.4e38, 3.4e38), (1e30, 1e30 + 1e15), (-7, -7 + 1e-12), (-0.0, 1)]
        for _ in 0..<2_000 {
            let a = (rng.nextUnit() - 0.5) * pow(10, Double(Int(rng.next() % 40)) - 20)
            let symmetric = rng.next() % 2 == 0
            let b = symmetric ? -a : a + abs(a) * rng.nextUnit() + Double.leastNonzeroMagnitude
            ranges.append((Swift.min(a, b), Swift.max(a, b)))
        }
        // The regression: on the issue's column (Float ±0.9 widened) the old single-ulp walk had not
        // found the middle edge after 10 000 steps (it needed ~2⁶²); the bounded search finds it.
        let issueColumn = (Double(Float(-0.9)), Double(Float(0.9)))
        #expect(Self.walkedEdge(ofBin: 16, lo: issueColumn.0, width: issueColumn.1 - issueColumn.0, bins: 32, maxSteps: 10_000) == nil)
        for (lo, hi) in [issueColumn] + ranges where hi > lo {
            for bins in [2, 3, 32, 255] {
                for k in 1..<bins {
                    let t = HistogramReference.firstValue(ofBin: k, lo: lo, hi: hi, bins: bins)
                    let width = hi - lo
                    let here = HistogramReference.exactBin(t - lo, width: width, bins: bins)
                    let before = HistogramReference.exactBin(t.nextDown - lo, width: width, bins: bins)
                    #expect(here >= k && before < k, "lo \(lo) hi \(hi) bins \(bins) k \(k): edge \(t) has bin \(here), the Double below it \(before)")
                    if let walked = Self.walkedEdge(ofBin: k, lo: lo, width: width, bins: bins, maxSteps: 10_000) {
                        #expect(walked == t || (walked == 0 && t == 0), "lo \(lo) hi \(hi) k \(k): walk \(walked), search \(t)")
                    }
                }
            }
        }
    }

    /// The issue's smallest case: Gaussian data, d = 4, one baseline column with min −0.9 and max +0.9.
    @Test func symmetricColumnFinishes() throws {
        var g = Gaussian(seed: 25)
        var baseline = g.matrix(rows: 4_000, cols: 4, scale: [0.3, 1, 1, 1])
        for r in 0..<baseline.rows { baseline.values[r * 4] = Swift.min(Swift.max(baseline.values[r * 4], -0.9), 0.9) }
        let current = g.matrix(rows: 1_000, cols: 4), reference = baseline
        let scores = try Self.bounded("d=4 symmetric column") { () throws(EstimatorError) in try Drift.compare(baseline: reference, current: current) }
        try Self.expectFinite(scores, "d=4 symmetric column")
    }

    @Test("every estimator on every adversarial matrix: finite scores or a typed error, inside the time bound")
    func everyEstimatorEveryCase() throws {
        let configurations = [DriftConfiguration(projections: 16), DriftConfiguration(projections: 16, bins: 3, knnKs: [1, 2])]
        var outcomes = (scored: 0, refused: 0)
        for c in AdversarialMatrices.cases() {
            for (i, configuration) in configurations.enumerated() {
                let name = "\(c.name) [configuration \(i)]"
                do {
                    let scores = try Self.bounded(name) { () throws(EstimatorError) in
                        try Drift.compare(baseline: c.baseline, current: c.current, configuration: configuration)
                    }
                    try Self.expectFinite(scores, name)
                    outcomes.scored += 1
                } catch let error as EstimatorError {
                    #expect(!error.message.isEmpty, "\(name): error without a message")
                    outcomes.refused += 1
                    // Only shapes below an estimator's documented minimum rows are refused.
                    let tiny = c.baseline.rows <= 5 || c.current.rows <= 5
                    #expect(tiny && error.code == .tooFewRows, "\(name): refused: \(error)")
                }
            }
        }
        #expect(outcomes.scored >= 100, "scored \(outcomes.scored), refused \(outcomes.refused)")
    }

    @Test("null calibration on every adversarial matrix large enough for one: finite nulls or a typed error, inside the time bound")
    func nullCalibrationEveryCase() throws {
        let configuration = DriftConfiguration(estimators: [.w1, .sliced, .frechet, .gaussianKL, .histKL, .knnKL, .norm], projections: 16)
        var calibrated = 0
        for c in AdversarialMatrices.cases() {
            let baseline = c.baseline
            let window = Swift.max(NullCalibration.minimumWindow, baseline.rows / 8)
            do {
                let null = try Self.bounded("null \(c.name)") { () throws(EstimatorError) in
                    try NullCalibration.calibrate(baseline: baseline, windowSize: window, configuration: configuration, resamples: 12, seed: 3)
                }
                for (kind, distribution) in null.distributions {
                    #expect(distribution.sortedScores.allSatisfy(\.isFinite) && distribution.std.isFinite, "\(c.name): \(kind) null is not finite")
                }
                calibrated += 1
            } catch let error as EstimatorError {
                // Only a baseline too small for the window may be refused.
                #expect(error.code == .tooFewRows, "\(c.name): \(error)")
            }
        }
        #expect(calibrated >= 10, "only \(calibrated) cases calibrated")
    }

    /// `make fuzz` runs this with fresh seeds and larger counts (TWINWATCH_FUZZ_SEED, TWINWATCH_FUZZ_COUNT).
    @Test("fuzzing: 400 seeded random matrices mixing the families, at random shapes and bins")
    func fuzzedMatrices() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["TWINWATCH_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x25_2512
        let count = environment["TWINWATCH_FUZZ_COUNT"].flatMap { Int($0) } ?? 400
        var scored = 0
        for (i, (c, configuration)) in AdversarialMatrices.fuzzed(count: count, seed: seed).enumerated() {
            do {
                let scores = try Self.bounded(c.name) { () throws(EstimatorError) in
                    try Drift.compare(baseline: c.baseline, current: c.current, configuration: configuration)
                }
                try Self.expectFinite(scores, "seed \(seed), \(c.name)")
                scored += 1
            } catch let error as EstimatorError {
                // kNN needs more rows than k on both sides; a window of fewer rows than dimensions
                // whose columns differ by 60 orders of magnitude has a covariance that no ridge of
                // 1e-6 makes numerically positive definite (Gaussian KL says so). Nothing else may refuse.
                let knnRows = error.code == .tooFewRows && error.message.contains("kNN")
                let singular = error.code == .numerical && error.message.contains("positive definite")
                #expect(knnRows || singular, "seed \(seed), \(c.name): \(error)")
            }
            // Every tenth large enough for a null at window 20: B = 8 replicates.
            if i % 10 == 0, c.baseline.rows >= 4 * NullCalibration.minimumWindow, c.baseline.rows > 6 {
                let baseline = c.baseline
                var withoutKNN = configuration
                withoutKNN.estimators.remove(.knnKL)
                let nullConfiguration = withoutKNN
                let null = try Self.bounded("null \(c.name)") { () throws(EstimatorError) in
                    try NullCalibration.calibrate(baseline: baseline, windowSize: NullCalibration.minimumWindow, configuration: nullConfiguration,
                                                  resamples: 8, seed: 5)
                }
                #expect(null.distributions.values.allSatisfy { $0.sortedScores.allSatisfy(\.isFinite) }, "\(c.name): null not finite")
            }
        }
        #expect(scored >= count * 3 / 4, "seed \(seed): only \(scored) of \(count) scored")
    }

    // MARK: - Support

    /// Runs `work` on a thread of its own and fails the test if it has not returned within `bound`
    /// (the thread is left behind: a hang cannot be cancelled, only reported).
    static func bounded<T: Sendable>(_ name: String, _ work: @escaping @Sendable () throws(EstimatorError) -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        let started = ContinuousClock.now
        Thread {
            box.set(Result { () throws(EstimatorError) in try work() })
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + .seconds(Int(bound.components.seconds))) == .success else {
            Issue.record("\(name): still running after \(bound)")
            throw EstimatorError(.numerical, "\(name): timed out")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < bound, "\(name) took \(elapsed)")
        return try box.get()
    }

    /// Every score the estimators report is finite (a NaN would never cross an alert level).
    static func expectFinite(_ s: DriftScores, _ name: String) throws {
        var values: [(String, Double)] = []
        if let w = s.w1 { values += [("w1.mean", w.mean), ("w1.max", w.max)] + w.vector.enumerated().map { ("w1[\($0)]", $1) } + w.normalized.map { ("w1.normalized", $0) } }
        if let sw = s.sliced { values += [("sw1", sw.sw1), ("sw2", sw.sw2)] }
        if let f = s.frechet { values.append(("frechet", f)) }
        if let g = s.gaussianKL { values += [("gkl.full_bc", g.fullBaseCur), ("gkl.full_cb", g.fullCurBase), ("gkl.diag_bc", g.diagBaseCur), ("gkl.diag_cb", g.diagCurBase)] }
        for (label, h) in [("hist_dims", s.histKLDims), ("hist_proj", s.histKLProj)] {
            if let h { values += h.baseCur.map { ("\(label).bc", $0) } + h.curBase.map { ("\(label).cb", $0) } }
        }
        if let k = s.knnKL { values += k.baseCur.map { ("knn.bc", $0) } + k.curBase.map { ("knn.cb", $0) } }
        if let n = s.norm { values.append(("norm", n)) }
        for (label, v) in values where !v.isFinite { Issue.record("\(name): \(label) = \(v)") }
    }

    /// ref.py's edge as it was found before the bounded search: single ulps from the computed edge
    /// (nil when it has not arrived within `maxSteps`, the inputs that made it hang).
    static func walkedEdge(ofBin k: Int, lo a: Double, width: Double, bins: Int, maxSteps: Int) -> Double? {
        var t = a + width * Double(k) / Double(bins), steps = 0
        while HistogramReference.exactBin(t - a, width: width, bins: bins) < k {
            t = t.nextUp; steps += 1
            if steps > maxSteps { return nil }
        }
        while HistogramReference.exactBin(t.nextDown - a, width: width, bins: bins) >= k {
            t = t.nextDown; steps += 1
            if steps > maxSteps { return nil }
        }
        return t
    }
}

/// A result handed from a worker thread to the waiting test.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is written once by the worker before it signals, and read after the wait.
    private var value: Result<T, EstimatorError>?
    func set(_ r: Result<T, EstimatorError>) { value = r }
    func get() throws(EstimatorError) -> T { try value!.get() }
}

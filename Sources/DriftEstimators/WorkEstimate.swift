import Foundation

/// How long an evaluation or a null calibration should take, from its size alone: the yardstick
/// that tells a stuck computation (a bug, a machine starved of CPU) from a large one. Deliberately
/// generous — it counts the steps of each estimator's dominant loops at `secondsPerStep`, which is
/// slower than this machine kind runs them — so a budget a few times this figure is never reached
/// by healthy work. `bench drift` and `EstimatorBudgetTests` print measured / predicted.
public enum WorkEstimate {
    /// Seconds per counted step: one merge or sort step, or eight multiply-adds of BLAS.
    public static let secondsPerStep = 2e-9

    /// Steps of `BaselineSummary.evaluate` for a window of `m` rows against a reference of `n`.
    public static func evaluationSteps(referenceRows n: Int, windowRows m: Int, dimensions d: Int,
                                       configuration c: DriftConfiguration) -> Double {
        let n = Double(n), m = Double(m), d = Double(d), l = Double(c.projections), est = c.estimators
        let logM = log2(Swift.max(m, 2))
        var steps = m * d  // reading and validating the window
        if est.contains(.w1) || est.contains(.histKL) { steps += m * d * logM + (n + m) * d }
        if est.contains(.sliced) || est.contains(.histKL) { steps += m * d * l / 8 + m * l * logM + (n + m) * l }
        if est.contains(.frechet) || est.contains(.gaussianKL) { steps += m * d * d / 8 + 10 * d * d * d }
        if est.contains(.knnKL) {
            let cap = Double(c.knnMaxRows ?? Int.max)
            steps += 2 * Swift.min(m, cap) * Swift.min(n, cap) * d / 8
        }
        if est.contains(.norm) { steps += m * d + (n + m) }
        if est.contains(.health) { steps += m * d * d / 8 + 10 * d * d * d }
        return steps
    }

    /// Predicted seconds of one window evaluation (see `evaluationSteps`).
    public static func evaluationSeconds(referenceRows n: Int, windowRows m: Int, dimensions d: Int, configuration c: DriftConfiguration) -> Double {
        evaluationSteps(referenceRows: n, windowRows: m, dimensions: d, configuration: c) * secondsPerStep
    }

    /// Predicted seconds of `NullCalibration.calibrate` on `baselineRows` rows at window `m` with B
    /// resamples on `threads` threads: per replicate, re-deriving the reference (a merge over
    /// every sorted column and projection, or a whole summary where kNN KL is selected) and
    /// scoring the window against it.
    public static func calibrationSeconds(baselineRows n: Int, windowSize m: Int, dimensions d: Int, configuration c: DriftConfiguration,
                                          resamples b: Int, threads: Int = 1) -> Double {
        let reference = n - m
        var perReplicate = evaluationSteps(referenceRows: reference, windowRows: m, dimensions: d, configuration: c)
        let logN = log2(Swift.max(Double(n), 2))
        if c.estimators.contains(.knnKL) {
            // No re-split shortcut: each replicate summarises its reference from scratch.
            perReplicate += evaluationSteps(referenceRows: reference, windowRows: reference, dimensions: d, configuration: c) + Double(n * d) * logN
        } else {
            perReplicate += Double(n) * Double(d + c.projections) + Double(m * d) * Double(d) / 8
        }
        let once = Double(n) * Double(d + c.projections) * logN + Double(n * d) * Double(d) / 8
        return (once + Double(b) * perReplicate / Double(Swift.max(1, threads))) * secondsPerStep
    }
}

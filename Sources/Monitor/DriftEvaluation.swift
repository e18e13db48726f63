import Alerting
import DriftEstimators
import StateStore
import TwinwatchCore

/// The result of evaluating one window against its model's active baseline.
public struct DriftEvaluation: Sendable {
    public let model: String
    public let cohort: String
    public let baselineID: Int64
    public let windowRows: Int
    public let atMs: Int64
    public let scores: DriftScores
    /// p-values, z and their combination (max-z).
    public let calibrated: CalibratedDrift
    public let health: HealthSignals
    public let scoreShift: ScoreShift?

    /// The combined p-value of the window's estimators.
    public var combinedP: Double { calibrated.combinedP }

    /// The signals alert rules watch, from this window: drift (combined and per estimator), health
    /// against the reference rows' health, the mean similarity score against the baseline's.
    func samples(window: WindowSpan, reference: DriftReference) -> [SignalSample] {
        let labels = ["model": model, "cohort": cohort]
        var samples = [SignalSample(signal: .driftCombined, labels: labels, value: combinedP, pValue: combinedP, window: window)]
        for kind in scores.estimatorsPresent {
            guard let score = scores.primaryScore(kind) else { continue }
            samples.append(SignalSample(signal: .drift(kind), labels: labels, value: score, pValue: calibrated.pValues[kind],
                                        z: calibrated.z[kind], window: window))
        }
        let base = reference.health
        samples += [
            SignalSample(signal: .effectiveRank, labels: labels, value: health.effectiveRank, baseline: base.effectiveRank),
            SignalSample(signal: .totalVariance, labels: labels, value: health.totalVariance, baseline: base.totalVariance),
            SignalSample(signal: .meanPairwiseCosine, labels: labels, value: health.meanPairwiseCosine, baseline: base.meanPairwiseCosine),
            SignalSample(signal: .nanRate, labels: labels, value: health.nanRate),
            SignalSample(signal: .zeroVectorRate, labels: labels, value: health.zeroVectorRate),
        ]
        if let shift = scoreShift {
            samples.append(SignalSample(signal: .meanScore, labels: labels, value: shift.currentMean, baseline: shift.baselineMean))
        }
        return samples
    }
}

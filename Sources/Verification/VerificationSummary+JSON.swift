/// The `verify` JSON of DESIGN §9 for one group:
/// `{"n", "tp", "fn", "fp", "tn", "far", "far_ci", "frr", "frr_ci", "recall", "precision", "eer",
/// "eer_threshold", "thresholds": [{"target_far", "threshold", "reachable", "far", "tpr"}]}`.
/// Undefined values (a rate without its denominator, EER without both classes) are `null`, and an
/// interval is `[lower, upper]`. A target FAR that no observed score reaches has `"threshold": null,
/// "reachable": false` and the rates of accepting nothing (FAR 0, TPR 0); without impostors FAR,
/// TPR and threshold are all `null`. JSON has no ∞, and `null` + `reachable` says why.
extension VerificationSummary.Group: Encodable {
    private enum Keys: String, CodingKey {
        case n, tp, fn, fp, tn, far, farCI = "far_ci", frr, frrCI = "frr_ci", recall, precision, eer
        case eerThreshold = "eer_threshold", thresholds
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(counts.total, forKey: .n)
        try c.encode(counts.tp, forKey: .tp)
        try c.encode(counts.fn, forKey: .fn)
        try c.encode(counts.fp, forKey: .fp)
        try c.encode(counts.tn, forKey: .tn)
        try c.encode(counts.far, forKey: .far)
        try c.encode(farInterval.map { [$0.lower, $0.upper] }, forKey: .farCI)
        try c.encode(counts.frr, forKey: .frr)
        try c.encode(frrInterval.map { [$0.lower, $0.upper] }, forKey: .frrCI)
        try c.encode(counts.recall, forKey: .recall)
        try c.encode(counts.precision, forKey: .precision)
        try c.encode(eer?.rate, forKey: .eer)
        try c.encode(eer.flatMap { $0.threshold.isFinite ? $0.threshold : nil }, forKey: .eerThreshold)
        try c.encode(targets, forKey: .thresholds)
    }
}

extension VerificationSummary.Target: Encodable {
    private enum Keys: String, CodingKey {
        case targetFAR = "target_far", threshold, reachable, far, tpr
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(targetFAR, forKey: .targetFAR)
        try c.encode(result.flatMap { $0.acceptsNothing ? nil : $0.threshold }, forKey: .threshold)
        try c.encode(result?.reachable ?? false, forKey: .reachable)
        try c.encode(result?.far, forKey: .far)
        try c.encode(result?.tpr, forKey: .tpr)
    }
}

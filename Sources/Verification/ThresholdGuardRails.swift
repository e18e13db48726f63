import TwinwatchCore

/// The limits within which an adaptive threshold may move (DESIGN §6), and the rules that apply
/// them. A move must pass all of them:
///
/// - **Evidence**: at least `minGenuine` genuine and `requiredImpostors(for:)` impostors labelled
///   in the window. For a target FAR f the impostor floor is raised to ⌈3/f⌉ (the rule of three:
///   with n impostors and no false accept, the 95 % upper bound on FAR is ≈ 3/n, so fewer than 3/f
///   impostors cannot show FAR ≤ f even in the best case) — 300 at 1 %, 3 000 at 0.1 %.
/// - **Significance** at the current threshold t, with intervals of level `z` (`method`):
///   target FAR f → f lies outside the interval of the measured FAR (FP of FP + TN);
///   target precision p → p lies outside the interval of the measured precision (TP of TP + FP);
///   EER → the intervals of FAR and FRR at t are disjoint (t is significantly off the crossing);
///   F1 and cost (no rate to test) → the calibrated threshold's FAR or FRR on the window lies
///   outside the interval of that rate at t (the move changes an error rate by more than its noise).
/// - **Sustained**: the miss is significant at `confirmations` evaluations in a row, in the same
///   direction, on windows that share no rows (overlapping windows see the same pairs and are not
///   independent evidence); one evaluation without it starts the count again, as does every change.
///   Under no drift a single 95 % test misses 5 % of the time; three disjoint windows in a row with
///   every evaluation between them significant make a spurious move rare (none in 3 × 100 000
///   labelled no-drift events on each of three seeds in `AdaptiveThresholdTests`).
/// - **Bounds**: the new threshold lies in `bounds`; **max step**: it moves by at most `maxStep`;
///   **min step**: a move smaller than `minStep` is not made (it would version noise).
/// - **Cool-down**: at least `coolDownMs` since the last change (or dry-run proposal).
public struct ThresholdGuardRails: Sendable, Equatable {
    /// Genuine pairs the window must hold.
    public var minGenuine: Int
    /// Impostor pairs the window must hold (raised to ⌈3/f⌉ for a target FAR f).
    public var minImpostors: Int
    /// Thresholds a change may set.
    public var bounds: ClosedRange<Double>
    /// Largest move per change (score units).
    public var maxStep: Double
    /// Smallest move worth a change (score units).
    public var minStep: Double
    /// Normal quantile of the significance intervals' level (1.96: 95 %).
    public var z: Double
    /// Wilson (default) or Clopper–Pearson intervals.
    public var method: RateInterval.Method
    /// Significant evaluations on disjoint windows required in a row.
    public var confirmations: Int
    /// Least time between changes.
    public var coolDownMs: Int64

    /// Guard rails; the defaults suit scores in [0, 1] and a 1 % FAR target.
    public init(minGenuine: Int = 100, minImpostors: Int = 300, bounds: ClosedRange<Double> = 0...1,
                maxStep: Double = 0.02, minStep: Double = 0.001, z: Double = RateInterval.z95,
                method: RateInterval.Method = .wilson, confirmations: Int = 3, coolDownMs: Int64 = 3_600_000) {
        self.minGenuine = Swift.max(0, minGenuine)
        self.minImpostors = Swift.max(0, minImpostors)
        self.bounds = bounds
        self.maxStep = Swift.max(0, maxStep)
        self.minStep = Swift.max(0, minStep)
        self.z = z
        self.method = method
        self.confirmations = Swift.max(1, confirmations)
        self.coolDownMs = Swift.max(0, coolDownMs)
    }

    /// Impostors needed before `calibrator` may move the threshold: `minImpostors`, and for a target
    /// FAR f at least ⌈3/f⌉.
    public func requiredImpostors(for calibrator: ThresholdCalibrator) -> Int {
        guard case .targetFAR(let f) = calibrator, f > 0 else { return minImpostors }
        let ruleOfThree = (3 / f).rounded(.up)
        return ruleOfThree >= Double(Int.max) ? Int.max : Swift.max(minImpostors, Int(ruleOfThree))
    }

    /// The significance test of the current threshold's counts `current` against `calibrator`'s
    /// target (`proposed`: the counts at the calibrated threshold, for F1 and cost); nil when the
    /// rate it tests is undefined on the window.
    public func significance(of calibrator: ThresholdCalibrator, current: ConfusionCounts,
                             proposed: ConfusionCounts) -> SignificanceTest? {
        switch calibrator {
        case .targetFAR(let target):
            guard let far = current.far, let interval = interval(current.fp, current.impostors) else { return nil }
            return SignificanceTest(test: .targetOutsideInterval(rate: .far, target: target, measured: far, interval: interval),
                                    significant: !interval.contains(target))
        case .targetPrecision(let target):
            guard let precision = current.precision, let interval = interval(current.tp, current.accepted) else { return nil }
            return SignificanceTest(test: .targetOutsideInterval(rate: .precision, target: target, measured: precision, interval: interval),
                                    significant: !interval.contains(target))
        case .eer:
            guard let far = interval(current.fp, current.impostors), let frr = interval(current.fn, current.genuine) else { return nil }
            return SignificanceTest(test: .ratesDisjoint(far: far, frr: frr), significant: far.upper < frr.lower || frr.upper < far.lower)
        case .f1, .cost:
            guard let far = interval(current.fp, current.impostors), let frr = interval(current.fn, current.genuine),
                  let newFAR = proposed.far, let newFRR = proposed.frr else { return nil }
            return SignificanceTest(test: .moveBeyondNoise(far: far, frr: frr, proposedFAR: newFAR, proposedFRR: newFRR),
                                    significant: !far.contains(newFAR) || !frr.contains(newFRR))
        }
    }

    /// The interval of `successes` of `trials` at the rails' level and method.
    public func interval(_ successes: Int, _ trials: Int) -> RateInterval? {
        RateInterval(successes: successes, trials: trials, method: method, z: z)
    }
}

/// The outcome of the significance guard rail: what was tested, and whether the miss is significant.
public struct SignificanceTest: Sendable, Equatable {
    /// A rate the significance test reads.
    public enum Rate: String, Sendable {
        case far, frr, precision
    }

    /// What was compared.
    public enum Test: Sendable, Equatable {
        /// Target FAR or precision against the interval of the rate measured at the current threshold.
        case targetOutsideInterval(rate: Rate, target: Double, measured: Double, interval: RateInterval)
        /// EER: FAR and FRR intervals at the current threshold.
        case ratesDisjoint(far: RateInterval, frr: RateInterval)
        /// F1, cost: the calibrated threshold's FAR and FRR against the current threshold's intervals.
        case moveBeyondNoise(far: RateInterval, frr: RateInterval, proposedFAR: Double, proposedFRR: Double)
    }

    public let test: Test
    public let significant: Bool

    /// A test result as given.
    public init(test: Test, significant: Bool) {
        self.test = test
        self.significant = significant
    }
}

/// A guard rail (or mode) that kept the threshold where it is.
public enum HoldReason: Sendable, Equatable {
    /// Adaptation is off.
    case off
    /// The kill switch is engaged.
    case killSwitch
    /// The last change (or proposal) is more recent than the cool-down.
    case coolDown(remainingMs: Int64)
    case tooFewImpostors(have: Int, need: Int)
    case tooFewGenuine(have: Int, need: Int)
    /// The calibrator's threshold, or the rate the significance test reads, is undefined on the window.
    case undefined
    /// The miss of the target is within the noise at the current threshold.
    case notSignificant(SignificanceTest)
    /// Significant, but not yet at `need` evaluations in a row on disjoint windows.
    case notSustained(significant: Int, need: Int)
    /// The calibrated threshold lies beyond the bound the current threshold already sits on.
    case atBound(Double)
    /// The move (after bounds and max step) is smaller than the minimum step.
    case belowMinimumStep(Double)
    /// `simple` mode: the window's error rate (FP + FN of all) is not above the trigger.
    case errorRateBelowTrigger(Double)
}

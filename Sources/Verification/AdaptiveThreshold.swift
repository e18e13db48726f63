import TwinwatchCore

/// What persists of a cohort's adaptive threshold (the daemon keeps it in SQLite): enough to resume.
public struct ThresholdState: Sendable, Equatable, Codable {
    /// The threshold in force (accept ⇔ score ≥ threshold).
    public var threshold: Double
    /// Changes made so far (0: the configured threshold).
    public var version: Int
    /// When the last change was made; nil before the first.
    public var lastChangeMs: Int64?

    /// A state as given.
    public init(threshold: Double, version: Int = 0, lastChangeMs: Int64? = nil) {
        self.threshold = threshold
        self.version = version
        self.lastChangeMs = lastChangeMs
    }
}

/// What a change rests on, measured on the window it was decided on.
public struct ThresholdEvidence: Sendable, Equatable {
    /// Labelled pairs in the window.
    public let windowRows: Int
    /// Counts at the old threshold, and the intervals of its FAR and FRR.
    public let current: ConfusionCounts
    public let currentFAR: RateInterval?
    public let currentFRR: RateInterval?
    /// Counts the new threshold would have had on the same window (the prediction), with intervals.
    public let predicted: ConfusionCounts
    public let predictedFAR: RateInterval?
    public let predictedFRR: RateInterval?
    /// The calibrator's unclamped result (nil in `simple` mode).
    public let calibrated: CalibratedThreshold?
    /// The significance test passed (nil in `simple` mode).
    public let significance: SignificanceTest?
    /// Significant evaluations on disjoint windows in a row, this one included.
    public let confirmations: Int
}

/// Which guard rail shortened a change.
public enum ChangeLimit: String, Sendable, CaseIterable {
    /// The calibrated threshold was outside the bounds.
    case bounds
    /// The move was cut to the max step.
    case maxStep = "max_step"
}

/// One threshold change (made or proposed), versioned, with its evidence: what the daemon
/// stores and publishes.
public struct ThresholdChange: Sendable, Equatable {
    public let model: String
    public let cohort: String
    public let oldThreshold: Double
    public let newThreshold: Double
    /// The mode that decided it (`apply`, `dry_run` or `simple`).
    public let mode: AdaptiveMode
    /// The calibrator in force (`simple` mode does not use it).
    public let calibrator: ThresholdCalibrator
    /// Guard rails that shortened the move.
    public let limitedBy: [ChangeLimit]
    public let evidence: ThresholdEvidence
    /// The version the change makes (proposals: the version it would make).
    public let version: Int
    /// When it was decided.
    public let atMs: Int64
}

/// What an evaluation decided.
public enum ThresholdDecision: Sendable, Equatable {
    /// No change; every guard rail (or mode) that stopped it.
    case hold([HoldReason])
    /// `dry_run`: the change the guard rails would allow, not made.
    case propose(ThresholdChange)
    /// The change is made: the caller persists it, publishes it and recounts its window at the new threshold.
    case apply(ThresholdChange)
}

/// One (model, cohort)'s adaptive threshold: a state machine whose `evaluate` proposes a threshold
/// from the calibrator on the cohort's labelled window and returns the decision, making the
/// change only within `ThresholdGuardRails`. No I/O and no clock: time comes in as ms.
public struct AdaptiveThreshold: Sendable {
    /// Mode, calibrator and guard rails (replaceable on reload).
    public struct Settings: Sendable, Equatable {
        public var mode: AdaptiveMode
        public var calibrator: ThresholdCalibrator
        public var guardRails: ThresholdGuardRails
        /// `simple` mode: the error rate above which it moves.
        public var simpleErrorRate: Double
        /// `simple` mode: the learning rate.
        public var simpleLearningRate: Double

        /// Settings; by default dry-run at a 1 % target FAR.
        public init(mode: AdaptiveMode = .dryRun, calibrator: ThresholdCalibrator = .targetFAR(0.01),
                    guardRails: ThresholdGuardRails = ThresholdGuardRails(), simpleErrorRate: Double = 0.2,
                    simpleLearningRate: Double = 0.1) {
            self.mode = mode
            self.calibrator = calibrator
            self.guardRails = guardRails
            self.simpleErrorRate = simpleErrorRate
            self.simpleLearningRate = simpleLearningRate
        }
    }

    public let model: String
    public let cohort: String
    public var settings: Settings
    /// Engaged: nothing changes or is proposed, whatever the mode, until released.
    public var killSwitch: Bool
    /// What to persist after every applied change.
    public private(set) var state: ThresholdState
    /// Significant evaluations on disjoint windows in a row, and their direction (+1 up, −1 down).
    private var streak = 0
    private var streakDirection = 0
    /// `appended` of the window last counted in the streak (the next must start after it).
    private var lastCountedEnd: Int?
    /// `appended` of the window a change (or proposal) was decided on: later evidence starts after it.
    private var notBefore: Int?
    /// `dry_run`: when the last proposal was made (proposals keep the cool-down's pace).
    private var lastProposalMs: Int64?

    /// A cohort's adaptive threshold resumed from `state` (a fresh one: `ThresholdState(threshold:)`).
    public init(model: String, cohort: String, settings: Settings, state: ThresholdState, killSwitch: Bool = false) {
        self.model = model
        self.cohort = cohort
        self.settings = settings
        self.state = state
        self.killSwitch = killSwitch
    }

    /// The threshold in force.
    public var threshold: Double { state.threshold }

    /// Evaluates the cohort's labelled `window` at `atMs`: holds (naming every guard rail that
    /// stopped it), proposes (`dry_run`) or makes (`apply`, `simple`) a change.
    public mutating func evaluate(window: LabelledWindow, atMs: Int64) -> ThresholdDecision {
        if settings.mode == .off { return .hold([.off]) }
        if killSwitch { return .hold([.killSwitch]) }
        let rails = settings.guardRails
        var reasons: [HoldReason] = []
        if let last = settings.mode == .dryRun ? lastProposalMs : state.lastChangeMs, atMs - last < rails.coolDownMs {
            reasons.append(.coolDown(remainingMs: last + rails.coolDownMs - atMs))
        }
        let curve = ROCCurve(window.labelledScores())
        let t = state.threshold
        let current = curve.counts(atThreshold: t)
        let needImpostors = rails.requiredImpostors(for: settings.calibrator)
        if current.impostors < needImpostors { reasons.append(.tooFewImpostors(have: current.impostors, need: needImpostors)) }
        if current.genuine < rails.minGenuine { reasons.append(.tooFewGenuine(have: current.genuine, need: rails.minGenuine)) }
        let enoughEvidence = current.impostors >= needImpostors && current.genuine >= rails.minGenuine

        let found = settings.mode == .simple
            ? simpleTarget(current: current, reasons: &reasons)
            : calibratedTarget(curve: curve, current: current, window: window, enoughEvidence: enoughEvidence, reasons: &reasons)
        guard let target = found else { return .hold(reasons + [.undefined]) }
        let (newThreshold, limitedBy) = limitedMove(from: t, to: target.threshold, reasons: &reasons)
        guard reasons.isEmpty else { return .hold(reasons) }

        let predicted = curve.counts(atThreshold: newThreshold)
        let evidence = ThresholdEvidence(
            windowRows: current.total, current: current,
            currentFAR: rails.interval(current.fp, current.impostors), currentFRR: rails.interval(current.fn, current.genuine),
            predicted: predicted,
            predictedFAR: rails.interval(predicted.fp, predicted.impostors), predictedFRR: rails.interval(predicted.fn, predicted.genuine),
            calibrated: target.calibrated, significance: target.significance, confirmations: streak)
        let change = ThresholdChange(model: model, cohort: cohort, oldThreshold: t, newThreshold: newThreshold,
                                     mode: settings.mode, calibrator: settings.calibrator, limitedBy: limitedBy,
                                     evidence: evidence, version: state.version + 1, atMs: atMs)
        // The next change needs a new run of significant windows, on rows this one did not see.
        streak = 0
        notBefore = window.appended
        if settings.mode == .dryRun {
            lastProposalMs = atMs
            return .propose(change)
        }
        state = ThresholdState(threshold: newThreshold, version: change.version, lastChangeMs: atMs)
        return .apply(change)
    }

    /// Where the calibrator would put the threshold, and what the significance guard rails say.
    private struct Target {
        var threshold: Double
        var calibrated: CalibratedThreshold?
        var significance: SignificanceTest?
    }

    /// The calibrated threshold; appends the significance and sustain holds; nil when undefined.
    private mutating func calibratedTarget(curve: ROCCurve, current: ConfusionCounts, window: LabelledWindow,
                                           enoughEvidence: Bool, reasons: inout [HoldReason]) -> Target? {
        guard let calibrated = settings.calibrator.calibrate(curve),
              let test = settings.guardRails.significance(of: settings.calibrator, current: current, proposed: calibrated.counts) else {
            resetStreak()
            return nil
        }
        if !test.significant {
            resetStreak()
            reasons.append(.notSignificant(test))
        } else if !enoughEvidence {
            resetStreak()
        } else {
            count(window: window, direction: calibrated.threshold > state.threshold ? 1 : -1)
            let need = settings.guardRails.confirmations
            if streak < need { reasons.append(.notSustained(significant: streak, need: need)) }
        }
        return Target(threshold: calibrated.threshold, calibrated: calibrated, significance: test)
    }

    /// `simple` mode: t + learning rate × (FP − FN) / n; appends the trigger hold; nil without rows.
    private func simpleTarget(current: ConfusionCounts, reasons: inout [HoldReason]) -> Target? {
        guard current.total > 0 else { return nil }
        let n = Double(current.total)
        let errorRate = Double(current.fp + current.fn) / n
        if errorRate <= settings.simpleErrorRate { reasons.append(.errorRateBelowTrigger(errorRate)) }
        return Target(threshold: state.threshold + settings.simpleLearningRate * Double(current.fp - current.fn) / n)
    }

    /// The move from `t` toward `target` within the bounds and the max step; appends the holds of a
    /// move that is nil (at a bound) or below the minimum step.
    private func limitedMove(from t: Double, to target: Double, reasons: inout [HoldReason]) -> (Double, [ChangeLimit]) {
        let rails = settings.guardRails
        let bounded = Swift.min(Swift.max(target, rails.bounds.lowerBound), rails.bounds.upperBound)
        let move = Swift.min(Swift.max(bounded - t, -rails.maxStep), rails.maxStep)
        let stepLimited = move != bounded - t
        var limitedBy: [ChangeLimit] = []
        if bounded != target { limitedBy.append(.bounds) }
        if stepLimited { limitedBy.append(.maxStep) }
        if move == 0, bounded != target {
            reasons.append(.atBound(bounded))
        } else if move == 0 || abs(move) < rails.minStep {
            reasons.append(.belowMinimumStep(abs(move)))
        }
        // Unless the max step cut it, the new threshold is exactly the calibrated score (or the bound).
        return (stepLimited ? t + move : bounded, limitedBy)
    }

    /// Counts a significant evaluation in the streak when its window shares no rows with the last
    /// one counted nor with the evidence of the last change; a change of direction starts a new streak.
    private mutating func count(window: LabelledWindow, direction: Int) {
        if direction != streakDirection {
            streak = 0
            streakDirection = direction
            lastCountedEnd = nil
        }
        // A window with fewer rows appended than the marks is a new window (replaced by the caller).
        if let mark = notBefore, window.appended < mark { notBefore = nil }
        if let mark = lastCountedEnd, window.appended < mark { lastCountedEnd = nil }
        let start = window.appended - window.count
        if start < Swift.max(lastCountedEnd ?? 0, notBefore ?? 0) { return }
        streak += 1
        lastCountedEnd = window.appended
    }

    private mutating func resetStreak() {
        streak = 0
        streakDirection = 0
        lastCountedEnd = nil
    }
}

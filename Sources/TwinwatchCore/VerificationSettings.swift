/// The `verification:` section: how labelled feedback becomes FAR / FRR / recall / precision per
/// cohort, and how thresholds adapt (DESIGN §6).
public struct VerificationSettings: Sendable, Equatable {
    /// The decision threshold in force (accept ⇔ score ≥ threshold) until an adaptive change.
    public var threshold: Double = 0.5
    /// Scores outside are refused (counted, dead-lettered), never counted as labelled events.
    public var scoreRange: ClosedRange<Double> = 0...1
    /// Confidence intervals of the rates: Wilson (default) or Clopper–Pearson.
    public var clopperPearson = false
    /// Events with a score kept for their label (the join's capacity; about 100 B each).
    public var joinCapacity = 1_000_000
    /// How long an event waits for its label.
    public var joinTTL: Duration = .seconds(3600)
    /// Labelled events per (model, cohort) window (24 B each), and their maximum age.
    public var windowEvents = 20_000
    public var windowMaxAge: Duration = .seconds(86_400)
    public var adaptive = AdaptiveSettings()

    public init() {}
}

/// Guarded adaptive thresholds per cohort.
public struct AdaptiveSettings: Sendable, Equatable {
    public var mode: AdaptiveMode = .dryRun
    public var calibrator: ThresholdCalibrator = .targetFAR(0.01)
    /// Stops every change at once (mode stays as configured).
    public var killSwitch = false
    public var bounds: ClosedRange<Double> = 0...1
    public var maxStep = 0.02
    public var minStep = 0.001
    public var minGenuine = 100
    /// At least this many labelled impostors, and ⌈3 / target FAR⌉ for a FAR target.
    public var minImpostors = 300
    /// Consecutive significant misses on disjoint windows before a change.
    public var confirmations = 3
    public var coolDown: Duration = .seconds(3600)
    /// Kafka topic the thresholds in force are published to (key `model/cohort`; compact it).
    public var publishTopic: String? = "twinwatch.thresholds"
    /// A JSON file rewritten atomically with every threshold in force, for serving sides that read files.
    public var publishFile: String?

    public init() {}
}

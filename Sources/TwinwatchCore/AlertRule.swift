/// One alert rule of the rule file (DESIGN §7): which signal, where, under which condition, for how
/// long, and what the notification says. A validated value made by `RuleFileLoader`.
public struct AlertRule: Sendable, Equatable {
    public var name: String
    public var signal: AlertSignal
    /// Label matchers: a sample matches when every key is present with this value; `*` matches
    /// any value (and an absent label).
    public var scope: [String: String]
    public var condition: AlertCondition
    /// The condition must hold this long (pending) before the alert fires.
    public var forDuration: Duration
    /// A firing alert stays firing this long after the condition last held.
    public var keepFiringFor: Duration
    /// Drift signals: the condition must also have held on this many consecutive windows that
    /// share no rows (`SustainedBreach`); nil takes `drift.consecutive_windows`. Other signals: 1.
    public var consecutiveWindows: Int?
    public var severity: AlertSeverity
    /// Added to the alert's labels (routing, grouping).
    public var labels: [String: String]
    /// `summary`, `description`, `runbook_url`, …; `{{model}}`, `{{value}}`, … are filled in (`AnnotationTemplate`).
    public var annotations: [String: String]

    public init(name: String, signal: AlertSignal, scope: [String: String] = [:], condition: AlertCondition,
                forDuration: Duration = .zero, keepFiringFor: Duration = .zero, consecutiveWindows: Int? = nil,
                severity: AlertSeverity, labels: [String: String] = [:], annotations: [String: String] = [:]) {
        self.name = name
        self.signal = signal
        self.scope = scope
        self.condition = condition
        self.forDuration = forDuration
        self.keepFiringFor = keepFiringFor
        self.consecutiveWindows = consecutiveWindows
        self.severity = severity
        self.labels = labels
        self.annotations = annotations
    }
}

/// How urgent an alert is: `page` wakes someone, `ticket` waits for working hours.
public enum AlertSeverity: String, Sendable, Codable, CaseIterable, Comparable {
    case page
    case ticket

    public static func < (a: Self, b: Self) -> Bool { a == .page && b == .ticket }
}

/// What a rule compares with its threshold.
public enum AlertCondition: Sendable, Equatable {
    /// value > x
    case above(Double)
    /// value < x
    case below(Double)
    /// The sample's calibrated p-value ≤ x (drift signals).
    case pValueBelow(Double)
    /// The sample's z (standard deviations above the null's mean) > x (drift estimators).
    case zAbove(Double)
    /// value / baseline value > x (e.g. 2.0 for "twice the baseline").
    case ratioToBaselineAbove(Double)
    /// value / baseline value < x (e.g. 0.5 for "half the baseline's effective rank").
    case ratioToBaselineBelow(Double)
    /// |value / baseline value − 1| > x (e.g. 0.10 for "moved by more than 10 %").
    case changeFromBaselineAbove(Double)
    /// The lower bound of the value's confidence interval > x (e.g. FAR surely above target).
    case ciLowerAbove(Double)
    /// The upper bound of the value's confidence interval < x (e.g. recall surely below target).
    case ciUpperBelow(Double)

    /// The YAML key of this condition.
    public var key: String {
        switch self {
        case .above: "above"
        case .below: "below"
        case .pValueBelow: "p_value_below"
        case .zAbove: "z_above"
        case .ratioToBaselineAbove: "ratio_to_baseline_above"
        case .ratioToBaselineBelow: "ratio_to_baseline_below"
        case .changeFromBaselineAbove: "change_from_baseline_above"
        case .ciLowerAbove: "ci_lower_above"
        case .ciUpperBelow: "ci_upper_below"
        }
    }

    /// The threshold the condition compares with.
    public var threshold: Double {
        switch self {
        case .above(let x), .below(let x), .pValueBelow(let x), .zAbove(let x), .ratioToBaselineAbove(let x),
             .ratioToBaselineBelow(let x), .changeFromBaselineAbove(let x), .ciLowerAbove(let x), .ciUpperBelow(let x): x
        }
    }

    public static let keys = ["above", "below", "p_value_below", "z_above", "ratio_to_baseline_above", "ratio_to_baseline_below",
                              "change_from_baseline_above", "ci_lower_above", "ci_upper_below"]

    /// Builds the condition named `key` with threshold `x`.
    public init?(key: String, threshold x: Double) {
        switch key {
        case "above": self = .above(x)
        case "below": self = .below(x)
        case "p_value_below": self = .pValueBelow(x)
        case "z_above": self = .zAbove(x)
        case "ratio_to_baseline_above": self = .ratioToBaselineAbove(x)
        case "ratio_to_baseline_below": self = .ratioToBaselineBelow(x)
        case "change_from_baseline_above": self = .changeFromBaselineAbove(x)
        case "ci_lower_above": self = .ciLowerAbove(x)
        case "ci_upper_below": self = .ciUpperBelow(x)
        default: return nil
        }
    }
}

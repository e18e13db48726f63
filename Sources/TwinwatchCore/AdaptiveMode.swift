/// How a cohort's threshold adapts (DESIGN §6).
public enum AdaptiveMode: String, Sendable, CaseIterable, Codable {
    /// The threshold stays as configured.
    case off
    /// Changes are proposed (with their evidence) but not made.
    case dryRun = "dry_run"
    /// Changes the guard rails allow are made.
    case apply
    /// The seeds' rule: when the error rate (FP + FN of all) exceeds a trigger (0.2), move by
    /// learning rate × (FP − FN) / all — up when false accepts dominate. Applied within the bounds,
    /// max step, minimum counts, cool-down and kill switch, without the significance test. Not the default.
    case simple
}

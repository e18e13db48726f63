/// The per-(rule, labels) state of a threshold rule: inactive ↔ firing.
/// Mutations return the action the owner performs, so the logic is testable without I/O.
public struct ThresholdAlertState: Sendable, Equatable {
    public enum Action: Sendable, Equatable {
        case none
        /// Crossed the threshold: notify "firing".
        case fire(startedAtMs: Int64)
        /// Back below: notify "resolved".
        case resolve(startedAtMs: Int64)
    }

    public private(set) var firingSinceMs: Int64?

    public init() {}

    public var isFiring: Bool { firingSinceMs != nil }

    /// Feeds one evaluation: fires while `value` exceeds `threshold`.
    public mutating func observe(value: Double, threshold: Double, atMs now: Int64) -> Action {
        observe(breached: value > threshold, atMs: now)
    }

    /// Feeds one evaluation whose condition the caller decided (e.g. p ≤ level).
    public mutating func observe(breached: Bool, atMs now: Int64) -> Action {
        switch (firingSinceMs, breached) {
        case (nil, true):
            firingSinceMs = now
            return .fire(startedAtMs: now)
        case (let since?, false):
            firingSinceMs = nil
            return .resolve(startedAtMs: since)
        default:
            return .none
        }
    }
}

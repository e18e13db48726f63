import Monitor

/// The readiness check on checkpoints: failing without a success for longer than `bound`
/// (`CheckpointHealth.bound`: 3 × `checkpoint.interval`, at least 30 s) makes the daemon not ready.
public struct CheckpointCheck: Sendable {
    public var failingFor: Duration = .zero
    public var failures = 0
    /// Since the last checkpoint written (nil: none since start; an idle daemon writes none).
    public var lastSuccessAgo: Duration?
    public var bound: Duration = CheckpointHealth.bound(interval: .seconds(30))

    public init() {}

    public init(_ health: CheckpointHealth, interval: Duration, at now: ContinuousClock.Instant = .now) {
        failingFor = health.failingFor(at: now)
        failures = health.failures
        lastSuccessAgo = health.lastSuccess.map { $0.duration(to: now) }
        bound = CheckpointHealth.bound(interval: interval)
    }

    public var ok: Bool { failingFor <= bound }

    var json: [String: Any] {
        var out: [String: Any] = ["ok": ok, "failing_seconds": (failingFor / .seconds(1)).rounded(), "failures": failures,
                                  "bound_seconds": (bound / .seconds(1)).rounded()]
        if let lastSuccessAgo { out["last_success_seconds_ago"] = (lastSuccessAgo / .seconds(1)).rounded() }
        return out
    }
}

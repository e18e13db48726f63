import Monitor

/// The readiness check on brokers: every broker down at the latest librdkafka statistics makes the
/// daemon not ready, within one `statistics.interval.ms` (5 s by default) of librdkafka noticing
/// (measured ≈ 5 s on the mock cluster) — rather than when the group session times out.
public struct BrokerCheck: Sendable {
    public var health = BrokerHealth()
    public var allDownFor: Duration?

    public init() {}

    public init(_ health: BrokerHealth, at now: ContinuousClock.Instant = .now) {
        self.health = health
        allDownFor = health.allDownSince.map { $0.duration(to: now) }
    }

    public var ok: Bool { !health.allDown }

    var json: [String: Any] {
        var out: [String: Any] = ["ok": ok]
        if let up = health.brokersUp, let total = health.brokersTotal {
            out["brokers_up"] = up
            out["brokers"] = total
        } else {
            out["reason"] = "no librdkafka statistics yet"
        }
        if let allDownFor { out["all_down_seconds"] = (allDownFor / .seconds(1)).rounded() }
        return out
    }
}

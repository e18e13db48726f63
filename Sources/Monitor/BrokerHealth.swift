/// Broker reachability from librdkafka's statistics, for readiness: with every broker down the
/// daemon consumes nothing, yet its partitions stay assigned until the group session times out —
/// "partitions assigned" alone reads ready through an outage.
public struct BrokerHealth: Sendable, Equatable {
    /// Brokers up and known at the latest statistics (nil: none received yet).
    public private(set) var brokersUp: Int?
    public private(set) var brokersTotal: Int?
    /// The first statistics that showed every broker down, while they still are (nil: some is up).
    public private(set) var allDownSince: ContinuousClock.Instant?

    public init() {}

    public mutating func observed(brokersUp up: Int, of total: Int, at now: ContinuousClock.Instant) {
        brokersUp = up
        brokersTotal = total
        if total > 0 && up == 0 {
            if allDownSince == nil { allDownSince = now }
        } else {
            allDownSince = nil
        }
    }

    /// Whether the latest statistics showed every known broker down. Before the first statistics
    /// (one `statistics.interval.ms` after start) nothing is known: not down.
    public var allDown: Bool { allDownSince != nil }
}

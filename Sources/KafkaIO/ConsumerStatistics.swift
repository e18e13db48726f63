import Foundation
import TwinwatchCore

/// The part of librdkafka's statistics JSON (`statistics.interval.ms`) twinwatch exports.
public struct ConsumerStatistics: Sendable, Equatable {
    /// Messages between the committed/consumed position and the high watermark, per partition.
    public var lag: [TopicPartition: Int64]
    /// Brokers connected or idle (not needed), of all librdkafka knows; the rest are failing.
    public var brokersUp: Int
    public var brokersTotal: Int

    public init(lag: [TopicPartition: Int64], brokersUp: Int, brokersTotal: Int) {
        self.lag = lag
        self.brokersUp = brokersUp
        self.brokersTotal = brokersTotal
    }

    /// Parses the statistics JSON; `nil` when it is not an object.
    public init?(json: Data) {
        guard let root = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else { return nil }
        var lag: [TopicPartition: Int64] = [:]
        for (topic, value) in root["topics"] as? [String: Any] ?? [:] {
            for (key, p) in (value as? [String: Any])?["partitions"] as? [String: Any] ?? [:] {
                // Partition -1 is librdkafka's internal "unassigned" bucket; negative lag means unknown.
                guard let partition = Int32(key), partition >= 0, let fields = p as? [String: Any],
                      let value = (fields["consumer_lag"] as? NSNumber)?.int64Value, value >= 0 else { continue }
                lag[TopicPartition(topic: topic, partition: partition)] = value
            }
        }
        // Cluster nodes only: librdkafka also lists its internal broker and logical connections
        // (the group coordinator), and a bootstrap address keeps source "configured" after it
        // learned its node id — so a node is counted once by id. A node is up when an entry of it
        // is UP, or when none is failing: librdkafka connects only to the brokers it needs (sparse
        // connections), so a broker no partition needs stays idle in INIT — not down. Down: its
        // entries are all DOWN, TRY_CONNECT or CONNECT (retrying a lost connection).
        let failing: Set<String> = ["DOWN", "TRY_CONNECT", "CONNECT"]
        var nodes: [Int: (up: Bool, failing: Bool)] = [:]
        for case let broker as [String: Any] in (root["brokers"] as? [String: Any] ?? [:]).values {
            guard let id = (broker["nodeid"] as? NSNumber)?.intValue, id >= 0,
                  let source = broker["source"] as? String, source == "learned" || source == "configured" else { continue }
            let state = broker["state"] as? String ?? ""
            var node = nodes[id] ?? (up: false, failing: false)
            node.up = node.up || state == "UP"
            node.failing = node.failing || failing.contains(state)
            nodes[id] = node
        }
        self.init(lag: lag, brokersUp: nodes.values.filter { $0.up || !$0.failing }.count, brokersTotal: nodes.count)
    }
}

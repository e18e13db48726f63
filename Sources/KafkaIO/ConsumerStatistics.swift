import Foundation
import TwinwatchCore

/// The part of librdkafka's statistics JSON (`statistics.interval.ms`) twinwatch exports.
public struct ConsumerStatistics: Sendable, Equatable {
    /// Messages between the committed/consumed position and the high watermark, per partition.
    public var lag: [TopicPartition: Int64]
    /// Brokers with an UP connection, of all librdkafka knows.
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
        // learned its node id — so a node is counted once by id, up when an entry of it is UP.
        // (The consumer connects to every broker: `enable.sparse.connections=false`, so a broker
        // no partition needs is not mistaken for a broker that is down.)
        var nodes: [Int: Bool] = [:]
        for case let broker as [String: Any] in (root["brokers"] as? [String: Any] ?? [:]).values {
            guard let id = (broker["nodeid"] as? NSNumber)?.intValue, id >= 0,
                  let source = broker["source"] as? String, source == "learned" || source == "configured" else { continue }
            nodes[id] = (nodes[id] ?? false) || broker["state"] as? String == "UP"
        }
        self.init(lag: lag, brokersUp: nodes.values.filter { $0 }.count, brokersTotal: nodes.count)
    }
}

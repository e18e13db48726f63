import Foundation
import TwinwatchCore

/// The part of librdkafka's statistics JSON (`statistics.interval.ms`) twinwatch exports.
public struct ConsumerStatistics: Sendable, Equatable {
    /// Messages between the committed/consumed position and the high watermark, per partition.
    public var lag: [TopicPartition: Int64]
    /// Brokers librdkafka considers up, of all it knows.
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
        // Real brokers only: librdkafka also lists bootstrap ("configured"), internal and logical
        // (group coordinator) connections.
        let brokers = (root["brokers"] as? [String: Any] ?? [:]).values.compactMap { $0 as? [String: Any] }
            .filter { ($0["nodeid"] as? NSNumber)?.intValue ?? -1 >= 0 && $0["source"] as? String == "learned" }
        self.init(lag: lag, brokersUp: brokers.filter { $0["state"] as? String == "UP" }.count, brokersTotal: brokers.count)
    }
}

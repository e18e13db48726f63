import Foundation
import KafkaIO
import Logging
import StateStore
import TwinwatchCore

/// Publishes the thresholds in force for the serving side: one Kafka message per change on the
/// thresholds topic (key `model/cohort`, so a compacted topic keeps the latest of each), and
/// optionally a JSON file of every threshold in force, replaced atomically (write, then rename).
public struct ThresholdPublisher: Sendable {
    let producer: KafkaProducer?
    let topic: String?
    let file: String?
    let logger: Logger

    public init(producer: KafkaProducer?, topic: String?, file: String?, logger: Logger) {
        self.producer = producer
        self.topic = topic
        self.file = file
        self.logger = logger
    }

    /// The JSON of one threshold in force.
    static func message(_ r: ThresholdRecord) -> [String: Any] {
        var m: [String: Any] = ["model": r.model, "cohort": r.cohort, "threshold": r.threshold, "version": r.version,
                                "method": r.method, "updated_at": r.createdAt]
        if let previous = r.previous { m["previous"] = previous }
        return m
    }

    /// Publishes `change` and rewrites the file with `inForce` (every threshold in force, `change` included).
    public func publish(_ change: ThresholdRecord, inForce: [ThresholdRecord]) async {
        if let producer, let topic {
            do {
                let value = try JSONSerialization.data(withJSONObject: Self.message(change), options: [.sortedKeys])
                try producer.produce(topic: topic, key: Array("\(change.model)/\(change.cohort)".utf8), value: [UInt8](value))
                try await producer.flush()
            } catch {
                logger.error("cannot publish a threshold to Kafka", metadata: ["topic": "\(topic)", "model": "\(change.model)",
                                                                              "cohort": "\(change.cohort)", "error": "\(error)"])
            }
        }
        if let file { write(inForce, to: file) }
    }

    /// `{"thresholds":[{model, cohort, threshold, version, …}]}` to `path`, atomically.
    func write(_ inForce: [ThresholdRecord], to path: String) {
        do {
            let body = try JSONSerialization.data(withJSONObject: ["thresholds": inForce.map(Self.message)], options: [.sortedKeys, .prettyPrinted])
            let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
            try body.write(to: URL(fileURLWithPath: temporary))
            guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            logger.error("cannot write the thresholds file", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}

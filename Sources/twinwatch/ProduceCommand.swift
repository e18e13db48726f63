import ArgumentParser
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import TwinwatchCore

/// `twinwatch produce FILE --topic T`: publishes events from a file (test and replay tool).
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Publish events from .jsonl, .events.bin, .f32bin or .npy to a Kafka topic.")

    @Argument(help: "Events (.jsonl, .events.bin) or embeddings (.f32bin, .npy).")
    var file: String

    @Option(help: "Destination topic.")
    var topic: String

    @Option(help: "Comma-separated bootstrap brokers (default: kafka.brokers of --config).")
    var brokers: String?

    @Option(help: "Configuration file for brokers and librdkafka settings.")
    var config: String?

    @Option(help: "Events per second (default: as fast as possible).")
    var rate: Int?

    @Option(help: "Model of .events.bin records and of embedding files.")
    var model = "default"

    @Option(help: "Cohort of embedding files (and of .events.bin records instead of c<index>).")
    var cohort: String?

    @Option(help: "Wire format: json, json-b64 or binary (EVT1 with its content-type header).")
    var format: WireFormat = .json

    enum WireFormat: String, ExpressibleByArgument { case json, jsonB64 = "json-b64", binary }

    func run() async throws {
        let (brokerList, overrides) = try kafkaSettings()
        let events = try readEvents()
        let producer = try KafkaProducer(brokers: brokerList, overrides: RDKafkaConfig.producerProperties(overrides))
        let started = ContinuousClock.now
        for (index, event) in events.enumerated() {
            if let rate, rate > 0 {
                try await Task.sleep(until: started + .seconds(Double(index) / Double(rate)))
            }
            switch format {
            case .json:
                try producer.produce(topic: topic, key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event))
            case .jsonB64:
                try producer.produce(topic: topic, key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event, base64: true))
            case .binary:
                let value: [UInt8]
                do { value = try EventEncoder.binary(event) } catch { throw CLIError(message: "produce: event \(event.eventID): \(error)") }
                try producer.produce(topic: topic, key: EventEncoder.kafkaKey(for: event), value: value,
                                     headers: [("content-type", Array(EventDecoder.binaryContentType.utf8))])
            }
        }
        do {
            try await producer.flush(timeoutMs: 60_000)
        } catch {
            throw CLIError(message: "produce: \(topic): \(error)")
        }
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        print("produced \(events.count) events to \(topic) in \(String(format: "%.2f", seconds)) s (\(producer.delivered) acknowledged)")
    }

    private func kafkaSettings() throws -> ([String], [String: String]) {
        var settings: KafkaSettings?
        if let config {
            do { settings = try ConfigLoader.load(path: config).kafka } catch {
                throw CLIError(message: "\(config): invalid configuration\n\(error.description)", exitCode: 2)
            }
        }
        guard let list = brokers.map({ $0.split(separator: ",").map(String.init) }) ?? settings?.brokers else {
            throw CLIError(message: "produce: no brokers: give --brokers or --config", exitCode: 2)
        }
        return (list, settings?.librdkafka ?? [:])
    }

    private func readEvents() throws -> [InferenceEvent] {
        let url = URL(fileURLWithPath: file)
        switch url.pathExtension {
        case "f32bin", "npy":
            let matrix: Matrix
            do { matrix = try EmbeddingReader.read(contentsOf: url) } catch { throw CLIError(message: "produce: \(file): \(error)") }
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            return (0..<matrix.rows).map { r in
                // Decimal row numbers as ids: valid for every wire format, EVT1's u64 included.
                InferenceEvent(eventID: "\(r)", timestampMs: now, model: model,
                               cohort: cohort ?? "default", embedding: Array(matrix.values[(r * matrix.cols)..<((r + 1) * matrix.cols)]))
            }
        default:
            do {
                return try EventFileReader(model: model, cohort: cohort).read(contentsOf: url)
            } catch {
                throw CLIError(message: "produce: \(error)")
            }
        }
    }
}

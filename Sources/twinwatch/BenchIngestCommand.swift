import ArgumentParser
import StateStore
import DemoSupport
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Logging
import Monitor
import ServiceLifecycle
import TwinwatchCore

/// `twinwatch bench ingest`: end-to-end consumption from the mock cluster into windows.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Events/s from a librdkafka mock cluster through decode and validation into the windows.")

    // The librdkafka 2.0.2 mock keeps at most ~5 MiB per partition and silently drops older
    // messages beyond that, so events are spread over many keys and partitions (≈ 2 MB each).
    @Option(help: "Events to consume (keep events × ~3.3 KB / partitions well under 5 MiB at d = 256).")
    var events = 40_000

    @Option(help: "Embedding dimension.")
    var d = 256

    @Option(help: "Partitions of the events topic.")
    var partitions = 64

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    @Option(name: .long, help: "Log level of the daemon's log lines (stderr).")
    var logLevel: Logger.Level = .error

    func run() async throws {
        let logger = LoggingOptions.logger("twinwatch.bench", level: logLevel)
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("events", partitions: partitions)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers], overrides: ["linger.ms": "20"])
        let embeddings = SyntheticEmbeddings(dimension: d, seed: 1)
        var rng = SplitMix64(seed: 2)
        for i in 0..<events {
            let event = InferenceEvent(eventID: "e-\(i)", timestampMs: Int64(i), model: "m", cohort: "c\(i % 256)", score: 0.5,
                                       embedding: embeddings.row(using: &rng))
            try producer.produce(topic: "events", key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event))
        }
        try await producer.flush(timeoutMs: 120_000)
        FileHandle.standardError.write(Data("produced \(events) events (\(producer.delivered) acknowledged)\n".utf8))

        var config = TwinwatchConfig(
            kafka: KafkaSettings(brokers: [cluster.bootstrapServers], groupID: "bench", eventsTopic: "events",
                                 librdkafka: ["session.timeout.ms": "6000"]),
            models: [ModelSettings(name: "m", dimension: d)], window: WindowSettings(size: 5000),
            evaluation: EvaluationSettings(interval: .seconds(3600)), baseline: BaselineSettings(captureRows: 5000, autoCapture: false))
        config.store = StoreSettings(path: try TemporaryStore.path("bench-ingest"))
        let daemon = try await Daemon(config: config, logger: logger)
        let group = ServiceGroup(configuration: .init(services: daemon.services, logger: logger))
        let task = Task { try await group.run() }
        // The clock starts at the first accepted event: group join time is not ingest speed.
        while await daemon.state.accepted == 0 { try await Task.sleep(for: .milliseconds(1)) }
        let start = ContinuousClock.now
        let first = await daemon.state.accepted
        var lastReport = ContinuousClock.now
        while await daemon.state.accepted < events {
            try await Task.sleep(for: .milliseconds(1))
            if ContinuousClock.now - lastReport > .seconds(5) {
                lastReport = ContinuousClock.now
                FileHandle.standardError.write(Data("consumed \(await daemon.state.accepted) of \(events)\n".utf8))
            }
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        await group.triggerGracefulShutdown()
        try await task.value
        let counted = events - first
        let report = BenchReport(suite: "ingest", results: [
            BenchLine(name: "kafka_json_to_window", n: counted, d: d, seconds: seconds, perSecond: Double(counted) / seconds, referenceSeconds: nil)
        ])
        print(json ? report.json() : report.table(unit: "events/s"))
    }
}

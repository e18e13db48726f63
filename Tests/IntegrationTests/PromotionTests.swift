import StateStore
import DemoSupport
import DriftEstimators
import EventCodec
import KafkaIO
import Logging
import Monitor
import ServiceLifecycle
import Synchronization
import Foundation
import Testing
import TwinwatchCore

/// A baseline promoted with the store while the daemon runs is used from the next evaluation on.
@Suite("Baseline promotion while running", .serialized)
struct PromotionTests {
    private let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return logger
    }()

    private func rows(_ n: Int, shift: Float, seed: UInt64) -> Matrix {
        let generator = SyntheticEmbeddings(dimension: 8, seed: 5)
        var rng = SplitMix64(seed: seed)
        return try! Matrix(rows: n, cols: 8, values: (0..<n).flatMap { _ in generator.row(using: &rng).map { $0 + shift } })
    }

    @Test("promotion switches the baseline at the next evaluation, without a restart")
    func promoteWhileRunning() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("events", partitions: 2)
        var config = TwinwatchConfig(
            kafka: KafkaSettings(brokers: [cluster.bootstrapServers], groupID: "promotion-test", eventsTopic: "events",
                                 librdkafka: ["session.timeout.ms": "6000"]),
            window: WindowSettings(size: 200), evaluation: EvaluationSettings(interval: .milliseconds(200)),
            baseline: BaselineSettings(autoCapture: false, nullResamples: 200), drift: DriftSettings(estimators: [.w1]))
        config.store = StoreSettings(path: try TemporaryStore.path("promotion"))
        // 400-row baselines calibrate windows of at most 100 rows (4 × the window): the aggregate's
        // newest 100 rows are scored; the cohorts (no row cohorts stored) are not.
        let store = try TwinwatchStore(path: config.store.path)
        let same = try await store.insert(NewBaseline(model: "m", createdBy: "test", source: "test", rows: rows(400, shift: 0, seed: 1)), status: .active)
        let shifted = try await store.insert(NewBaseline(model: "m", createdBy: "test", source: "test", rows: rows(400, shift: 0.5, seed: 2)))

        let seen = Mutex<[(Int64, Double)]>([])
        let daemon = try await Daemon(config: config, logger: logger, onEvaluation: { e in
            if e.cohort == "all" { seen.withLock { $0.append((e.baselineID, e.combinedP)) } }
        })
        let group = ServiceGroup(configuration: .init(services: daemon.services, logger: logger))
        let task = Task { try await group.run() }
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        let generator = SyntheticEmbeddings(dimension: 8, seed: 5)
        var rng = SplitMix64(seed: 3)
        for i in 0..<300 {
            let event = InferenceEvent(eventID: "e\(i)", timestampMs: Int64(i), model: "m", cohort: "c\(i % 2)", embedding: generator.row(using: &rng))
            try producer.produce(topic: "events", key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event))
        }
        try await producer.flush()

        #expect(try await waitUntil { seen.withLock { $0.contains { $0.0 == same.id } } }, "never evaluated against the first baseline")
        let before = seen.withLock { $0.last!.1 }
        try await store.promote(id: shifted.id)
        // No new events: the promotion alone triggers the re-evaluation.
        #expect(try await waitUntil(.seconds(30)) { seen.withLock { $0.contains { $0.0 == shifted.id } } }, "the promoted baseline was not picked up")
        let after = seen.withLock { $0.last { $0.0 == shifted.id }!.1 }
        #expect(before > 0.01 && after <= 0.01, "combined p against the same distribution \(before), against the shifted one \(after)")
        // Every evaluation is in the history reports plot, with the baseline it was compared with.
        let history = try await store.history(model: "m", kinds: [.drift]).filter { $0.cohort == "all" }.compactMap(\.values)
        #expect(Set(history.compactMap { $0[.baseline] }) == [Double(same.id), Double(shifted.id)], "\(history)")
        let last = try #require(history.last { $0[.baseline] == Double(shifted.id) })
        #expect(last[.combinedP] == after && last[.score(.w1)] != nil && last[.effectiveRank] != nil, "\(last) vs \(after)")
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

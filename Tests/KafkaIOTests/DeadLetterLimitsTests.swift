import EventCodec
import Foundation
import KafkaIO
import Monitor
import ServiceLifecycle
import Synchronization
import Testing
import TwinwatchCore

/// Dead letters at the limits (issue 23): an event just under `max_event_bytes` reaches the
/// dead-letter topic, and a producer whose queue stays full fails after a bound instead of
/// spinning on the cooperative pool forever.
@Suite("Dead letters at the limits", .serialized)
struct DeadLetterLimitsTests {
    /// Valid JSON of exactly `bytes` bytes whose embedding has far more than 3 values.
    static func bigEvent(bytes: Int) -> String {
        let head = #"{"event_id":"big","model":"m","cohort":"c","score":0.5,"embedding":["#
        let tail = "]}"
        let count = (bytes - head.utf8.count - tail.utf8.count + 1) / 10
        var json = head + Array(repeating: "0.1234567", count: count).joined(separator: ",") + tail
        json.insert(contentsOf: String(repeating: " ", count: bytes - json.utf8.count), at: json.index(before: json.endIndex))
        return json
    }

    @Test("a valid event of 1 000 111 bytes with the wrong dimension is in the dead-letter topic, nothing counted as failed")
    func largeEvent() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        for topic in ["events", "dlq"] { try cluster.createTopic(topic, partitions: 1) }
        let big = Self.bigEvent(bytes: 1_000_111)
        #expect(big.utf8.count == 1_000_111)
        // The test's own producer must be allowed the large message too.
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers], overrides: ["message.max.bytes": "2000000"])
        try producer.produce(topic: "events", key: nil, value: Array(big.utf8))
        try await producer.flush()

        var config = TwinwatchConfig(
            kafka: KafkaSettings(brokers: [cluster.bootstrapServers], groupID: "dlq-big", eventsTopic: "events",
                                 deadLetterTopic: "dlq", librdkafka: testOverrides),
            models: [ModelSettings(name: "m", dimension: 3)], window: WindowSettings(size: 10),
            evaluation: EvaluationSettings(interval: .seconds(60)), baseline: BaselineSettings(captureRows: 5))
        config.store = StoreSettings(path: temporaryStorePath())
        #expect(config.kafka.maxEventBytes == 1_048_576, "the default max_event_bytes")
        let daemon = try await Daemon(config: config, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: daemon.services, logger: quietLogger))
        let task = Task { try await group.run() }
        defer { task.cancel() }

        let dlq = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "dlq-big-reader", overrides: testOverrides, logger: quietLogger)
        try dlq.subscribe(["dlq"])
        let letters = Mutex<[KafkaMessage]>([])
        let reader = Task { for await event in dlq.events { if case .messages(let batch) = event { letters.withLock { $0 += batch } } } }
        let refused = try await eventually(timeout: .seconds(60)) {
            daemon.metrics.exposition().contains(#"twinwatch_events_rejected_total{reason="wrong_dimension"} 1"#)
        }
        #expect(refused, "the event was not refused as wrong_dimension")
        // The flush after the batch settles the dead letter one way or the other.
        let settled = try await eventually(timeout: .seconds(30)) {
            daemon.metrics.exposition().contains("twinwatch_dead_letter_failures_total 1") || !letters.withLock(\.isEmpty)
        }
        #expect(settled)
        let failures = daemon.metrics.exposition().split(separator: "\n").first { $0.hasPrefix("twinwatch_dead_letter_failures_total") } ?? "none"
        #expect(failures == "twinwatch_dead_letter_failures_total 0", "\(failures)")
        _ = try await eventually(timeout: .seconds(30)) { !letters.withLock(\.isEmpty) }
        let received = letters.withLock(\.first)
        #expect(received?.value.count == 1_000_111, "not in the dead-letter topic")
        let reason = String(decoding: received?.header(DeadLetterQueue.errorHeader) ?? [], as: UTF8.self)
        #expect(reason.hasPrefix("wrong_dimension: "), "\(reason)")

        _ = await dlq.close()
        await reader.value
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test("a queue that stays full (no broker reachable): produce fails after the bound with a clear error, later calls at once")
    func queueFull() async throws {
        // Nothing listens on port 9: nothing leaves the queue of 5 messages.
        let producer = try KafkaProducer(brokers: ["127.0.0.1:9"], overrides: ["queue.buffering.max.messages": "5", "log_level": "0"])
        for i in 0..<5 { try producer.produce(topic: "dlq", key: nil, value: Array("m\(i)".utf8)) }
        // Off the pool: before the bound existed this call never returned.
        let attempt = { @Sendable () async -> (Duration, String?) in
            await withCheckedContinuation { continuation in
                Thread.detachNewThread {
                    let started = ContinuousClock.now
                    do {
                        try producer.produce(topic: "dlq", key: nil, value: Array("more".utf8))
                        continuation.resume(returning: (started.duration(to: .now), nil))
                    } catch {
                        continuation.resume(returning: (started.duration(to: .now), "\(error)"))
                    }
                }
            }
        }
        let outcome = Mutex<(Duration, String?)?>(nil)
        Task { let result = await attempt(); outcome.withLock { $0 = result } }
        #expect(try await eventually(timeout: .seconds(20)) { outcome.withLock { $0 != nil } }, "produce on a full queue still waiting after 20 s")
        let (elapsed, error) = try #require(outcome.withLock { $0 })
        #expect(error?.contains("queue stayed full") == true, "\(String(describing: error))")
        #expect(elapsed >= KafkaProducer.defaultQueueFullWait && elapsed < KafkaProducer.defaultQueueFullWait + .seconds(3), "\(elapsed)")
        let (again, secondError) = await attempt()
        #expect(secondError != nil && again < .milliseconds(500), "a second produce on the still-full queue waited \(again)")
    }
}

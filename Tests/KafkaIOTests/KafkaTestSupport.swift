import StateStore
import DemoSupport
import Foundation
import KafkaIO
import Logging

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// Test-group settings: a quick rejoin (the mock waits session.timeout.ms − 1 s) and fast stats.
let testOverrides = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "log_level": "0"]

/// Collects what a consumer receives, storing offsets as it goes (as the daemon does).
actor Received {
    private(set) var values: [String] = []
    private(set) var assigned = 0

    func add(_ batch: [KafkaMessage]) { values += batch.map { String(decoding: $0.value, as: UTF8.self) } }
    func noteAssigned(_ count: Int) { assigned += count }
}

/// Drains `consumer.events` into `received` until the stream ends.
func drain(_ consumer: KafkaConsumer, into received: Received) -> Task<Void, Never> {
    Task {
        for await event in consumer.events {
            switch event {
            case .messages(let batch):
                await received.add(batch)
                consumer.store(batch)
            case .assigned(let partitions): await received.noteAssigned(partitions.count)
            case .revoked: break
            }
        }
    }
}

func produce(_ values: Range<Int>, prefix: String, topic: String, producer: KafkaProducer) async throws {
    for i in values {
        try producer.produce(topic: topic, key: Array("k\(i % 17)".utf8), value: Array("\(prefix)\(i)".utf8))
    }
    try await producer.flush()
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(90), _ condition: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// A state database path in a fresh temporary directory.
func temporaryStorePath() -> String { try! TemporaryStore.path("kafka") }

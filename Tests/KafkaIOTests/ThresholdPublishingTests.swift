import Foundation
import KafkaIO
import Monitor
import StateStore
import Testing

@Suite("Threshold publishing to Kafka")
struct ThresholdPublishingTests {
    @Test("a change goes to the thresholds topic keyed model/cohort, with its value, version and method")
    func publishesToTopic() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("twinwatch.thresholds", partitions: 1)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        let publisher = ThresholdPublisher(producer: producer, topic: "twinwatch.thresholds", file: nil, logger: quietLogger)
        var record = ThresholdRecord(model: "face-verify", cohort: "eu-mobile", threshold: 0.57, previous: 0.55, version: 3, status: .applied,
                                     method: "target_far:0.001", reason: nil, evidence: nil)
        record.createdAt = "2026-12-07T06:00:00.000Z"
        await publisher.publish(record, inForce: [record])

        let consumer = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "threshold-reader",
                                         overrides: testOverrides.merging(["auto.offset.reset": "earliest"]) { _, b in b }, logger: quietLogger)
        try consumer.subscribe(["twinwatch.thresholds"])
        var iterator = consumer.events.makeAsyncIterator()
        var received: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while received.isEmpty, ContinuousClock.now < deadline, let event = await iterator.next() {
            if case .messages(let batch) = event { received += batch }
        }
        let message = try #require(received.first, "nothing on the thresholds topic")
        #expect(message.key.map { String(decoding: $0, as: UTF8.self) } == "face-verify/eu-mobile")
        let value = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any])
        #expect(value["threshold"] as? Double == 0.57 && value["previous"] as? Double == 0.55 && value["version"] as? Int == 3)
        #expect(value["method"] as? String == "target_far:0.001" && value["updated_at"] as? String == "2026-12-07T06:00:00.000Z")
        await consumer.close()
    }
}

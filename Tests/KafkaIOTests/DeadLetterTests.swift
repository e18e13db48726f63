import EventCodec
import Foundation
import KafkaIO
import Monitor
import ServiceLifecycle
import Testing
import TwinwatchCore

@Suite("Refused events go to the dead-letter topic", .serialized)
struct DeadLetterTests {
    private static func event(_ id: String, model: String = "m", embedding: String = "[0.1,0.2,0.3]") -> String {
        #"{"event_id":"\#(id)","model":"\#(model)","cohort":"c","score":0.5,"embedding":\#(embedding)}"#
    }

    private static let nanBase64 = Data([Float.nan, 1, 2].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }).base64EncodedString()

    /// (value, expected reason) for each class of bad input.
    private static let bad: [(String, EventRejection.Reason)] = [
        (#"{"event_id":"x1","model":"m","embedding":[0.1,"#, .unparseable),
        (#"{"model":"m","score":0.5}"#, .missingField),
        (event("x3", embedding: "[0.1,0.2]"), .wrongDimension),
        (#"{"event_id":"x4","model":"m","embedding_b64":"\#(nanBase64)"}"#, .nonFinite),
        (event("x5", embedding: "[" + Array(repeating: "0.123456789", count: 300).joined(separator: ",") + "]"), .oversize),
        (event("x6", model: "other"), .unknownModel),
    ]

    @Test("every bad-input class lands in the DLQ unchanged, with reason and source; good events are unaffected")
    func deadLetters() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("dlq", partitions: 1)
        try cluster.createTopic("feedback", partitions: 1)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        var values: [String] = []
        for (i, (bad, _)) in Self.bad.enumerated() {
            values.append(Self.event("good-\(2 * i)"))
            values.append(bad)
            values.append(Self.event("good-\(2 * i + 1)"))
        }
        // Model "n" has no configured dimension: its first event sets it, a later mismatch is refused by state.
        let learnedMismatch = Self.event("n-2", model: "n", embedding: "[0.1,0.2]")
        values += [Self.event("n-1", model: "n"), learnedMismatch]
        for value in values { try producer.produce(topic: "events", key: nil, value: Array(value.utf8)) }
        let badFeedback = #"{"event_id":"good-0","label":7}"#
        for value in [#"{"event_id":"good-0","label":1}"#, badFeedback, #"{"model":"m","cohort":"c","score":0.9,"label":0}"#] {
            try producer.produce(topic: "feedback", key: nil, value: Array(value.utf8))
        }
        try await producer.flush()

        var config = TwinwatchConfig(
            kafka: KafkaSettings(brokers: [cluster.bootstrapServers], groupID: "dlq-test", eventsTopic: "events",
                                 feedbackTopic: "feedback", deadLetterTopic: "dlq", maxEventBytes: 2048, librdkafka: testOverrides),
            models: [ModelSettings(name: "m", dimension: 3), ModelSettings(name: "n")], window: WindowSettings(size: 10),
            evaluation: EvaluationSettings(interval: .seconds(60)), baseline: BaselineSettings(captureRows: 5))
        config.store = StoreSettings(path: temporaryStorePath())
        let daemon = try await Daemon(config: config, logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: daemon.services, logger: quietLogger))
        let task = Task { try await group.run() }

        let dlq = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "dlq-reader", overrides: testOverrides, logger: quietLogger)
        try dlq.subscribe(["dlq"])
        var letters: [KafkaMessage] = []
        var iterator = dlq.events.makeAsyncIterator()
        while letters.count < Self.bad.count + 2, let event = await iterator.next() {
            if case .messages(let batch) = event { letters += batch }
        }
        #expect(try await eventually { await daemon.state.accepted == 2 * Self.bad.count + 1 })
        let stateLetter = try #require(letters.first { $0.value == Array(learnedMismatch.utf8) })
        #expect(String(decoding: stateLetter.header(DeadLetterQueue.errorHeader) ?? [], as: UTF8.self).hasPrefix("wrong_dimension: model n has dimension 3"))

        for (index, (value, reason)) in Self.bad.enumerated() {
            let letter = try #require(letters.first { $0.value == Array(value.utf8) }, "no dead letter for \(reason)")
            let error = String(decoding: letter.header(DeadLetterQueue.errorHeader) ?? [], as: UTF8.self)
            #expect(error.hasPrefix("\(reason.rawValue): "), "\(error)")
            // Each bad value sits between two good ones: offset 3·index + 1 of partition 0.
            #expect(String(decoding: letter.header(DeadLetterQueue.sourceHeader) ?? [], as: UTF8.self) == "events/0/\(3 * index + 1)")
        }
        let feedbackLetter = try #require(letters.first { $0.value == Array(badFeedback.utf8) })
        #expect(String(decoding: feedbackLetter.header(DeadLetterQueue.sourceHeader) ?? [], as: UTF8.self) == "feedback/0/1")
        #expect(try await eventually { await daemon.state.labelledEvents == 2 }, "the label joined to good-0 and the scored one")
        let exposition = daemon.metrics.exposition()
        #expect(exposition.contains(#"twinwatch_feedback_consumed_total{kind="label"} 1"#))
        #expect(exposition.contains(#"twinwatch_feedback_consumed_total{kind="scored"} 1"#))
        for (_, reason) in Self.bad {
            // The bad feedback label is one more unparseable message, the learned-dimension mismatch one more wrong_dimension.
            let count = reason == .unparseable || reason == .wrongDimension ? 2 : 1
            #expect(exposition.contains(#"twinwatch_events_rejected_total{reason="\#(reason.rawValue)"} \#(count)"#), "\(reason)")
        }
        #expect(exposition.contains(#"twinwatch_events_consumed_total{model="m"} 12"#))
        #expect(exposition.contains(#"twinwatch_events_consumed_total{model="n"} 1"#))

        await dlq.close()
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

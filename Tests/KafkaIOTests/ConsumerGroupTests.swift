import Synchronization
import KafkaIO
import Testing

@Suite("Consumer group on the librdkafka mock cluster", .serialized)
struct ConsumerGroupTests {
    @Test("two consumers split six partitions; when one leaves, the other takes over without loss")
    func twoConsumersShareAndHandOver() async throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        try cluster.createTopic("events", partitions: 6)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        let a = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "g", overrides: testOverrides, logger: quietLogger)
        let b = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "g", overrides: testOverrides, logger: quietLogger)
        try a.subscribe(["events"])
        try b.subscribe(["events"])
        let (gotA, gotB) = (Received(), Received())
        let taskA = drain(a, into: gotA)
        let taskB = drain(b, into: gotB)
        #expect(try await eventually {
            let (x, y) = (await gotA.assigned, await gotB.assigned)
            return x > 0 && y > 0 && x + y >= 6
        })

        try await produce(0..<600, prefix: "first-", topic: "events", producer: producer)
        #expect(try await eventually { await gotA.values.count + gotB.values.count >= 600 })
        let (firstA, firstB) = (await gotA.values, await gotB.values)
        #expect(!firstA.isEmpty && !firstB.isEmpty, "both members get partitions")
        #expect(Set(firstA).isDisjoint(with: firstB), "each event goes to exactly one member")
        #expect(Set(firstA + firstB) == Set((0..<600).map { "first-\($0)" }))

        await b.close()
        await taskB.value
        try await produce(0..<400, prefix: "second-", topic: "events", producer: producer)
        let expected = Set((0..<600).map { "first-\($0)" } + (0..<400).map { "second-\($0)" })
        #expect(try await eventually { Set(await gotA.values + gotB.values) == expected }, "no event lost across the handover")
        #expect((await gotA.values + gotB.values).count == expected.count, "stored offsets were committed on revoke: no replay")
        await a.close()
        await taskA.value
    }

    @Test("a slow reader pauses partitions instead of buffering without bound, and loses nothing")
    func backpressure() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("events", partitions: 2)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        try await produce(0..<5000, prefix: "m", topic: "events", producer: producer)
        let consumer = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "bp", overrides: testOverrides,
                                         bufferCapacity: 200, logger: quietLogger)
        try consumer.subscribe(["events"])
        var iterator = consumer.events.makeAsyncIterator()
        var seen: [String] = []
        // Take nothing for a while: the poll thread must stop at about one batch past the capacity.
        #expect(try await eventually { consumer.bufferedMessages >= 200 })
        try await Task.sleep(for: .seconds(2))
        #expect(consumer.bufferedMessages <= 200 + 1000, "buffered \(consumer.bufferedMessages)")
        while seen.count < 5000, let event = await iterator.next() {
            if case .messages(let batch) = event { seen += batch.map { String(decoding: $0.value, as: UTF8.self) } }
        }
        #expect(Set(seen) == Set((0..<5000).map { "m\($0)" }))
        await consumer.close()
    }

    @Test("a broker down for 10 s: consumption resumes when it is back, nothing lost")
    func brokerOutage() async throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        try cluster.createTopic("events", partitions: 6)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        let consumer = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "outage", overrides: testOverrides, logger: quietLogger)
        try consumer.subscribe(["events"])
        let got = Received()
        let task = drain(consumer, into: got)
        try await produce(0..<300, prefix: "before-", topic: "events", producer: producer)
        #expect(try await eventually { await got.values.count >= 300 })

        try cluster.setBroker(1, up: false)
        // Produced while the broker is down; librdkafka holds and retries what it cannot place.
        for i in 0..<300 { try producer.produce(topic: "events", key: Array("k\(i % 17)".utf8), value: Array("during-\(i)".utf8)) }
        try await Task.sleep(for: .seconds(10))
        try cluster.setBroker(1, up: true)
        try await producer.flush(timeoutMs: 30_000)

        let expected = Set((0..<300).map { "before-\($0)" } + (0..<300).map { "during-\($0)" })
        #expect(try await eventually(timeout: .seconds(40)) { Set(await got.values).isSuperset(of: expected) })
        await consumer.close()
        await task.value
    }

    @Test("broker gauges count the cluster's nodes from librdkafka's statistics, and drop when one goes down")
    func brokerStatistics() async throws {
        let cluster = try MockKafkaCluster(brokers: 3)
        try cluster.createTopic("events", partitions: 6)
        let latest = Mutex<ConsumerStatistics?>(nil)
        let consumer = try KafkaConsumer(brokers: [cluster.bootstrapServers], groupID: "stats",
                                         overrides: testOverrides.merging(["statistics.interval.ms": "200"]) { $1 }, logger: quietLogger,
                                         onStatistics: { stats in latest.withLock { $0 = stats } })
        try consumer.subscribe(["events"])
        let task = drain(consumer, into: Received())
        // The bootstrap list names all three: they stay "configured" in the statistics once their ids are known.
        #expect(try await eventually(timeout: .seconds(60)) { latest.withLock { $0?.brokersTotal == 3 && $0?.brokersUp == 3 } },
                "\(String(describing: latest.withLock { $0 }))")
        try cluster.setBroker(2, up: false)
        #expect(try await eventually(timeout: .seconds(60)) { latest.withLock { $0?.brokersTotal == 3 && $0?.brokersUp == 2 } },
                "\(String(describing: latest.withLock { $0 }))")
        try cluster.setBroker(2, up: true)
        await consumer.close()
        await task.value
    }
}

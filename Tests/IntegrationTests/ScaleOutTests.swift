import Alerting
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Logging
import StateStore
import Testing
import TwinwatchCore

/// Two real `twinwatch run` instances in one consumer group on `twinwatch dev-kafka`, each with its
/// own store (issue 24, the ownership steps): every cohort window is held by exactly one instance
/// after a rebalance, and when one is killed with -9 the survivor — a former owner of the moved
/// partitions — starts them at the group's commit instead of its own older checkpoint, so no
/// event of the other instance's tenure is consumed twice.
@Suite("Scale-out: two instances in one group", .serialized)
struct ScaleOutTests {
    private static let cohorts = (0..<8).map { "c\($0)" }
    /// Event time of event 0 (event i at start + i ms).
    private static let start = WallClock.nowMs()

    private func config(brokers: String, store: String, name: String) -> String {
        """
        kafka:
          brokers: [\(brokers)]
          group_id: scale-out
          events_topic: twinwatch.events
          librdkafka:
            session.timeout.ms: "6000"
            heartbeat.interval.ms: "500"
        models:
          - name: m
            dimension: 8
        window:
          size: 200
          step: 100
        baseline:
          auto_capture: false
        checkpoint:
          interval: 1s
        store:
          path: \(store)
        http:
          listen: 127.0.0.1:0
        """
    }

    private func events(_ range: Range<Int>) -> [InferenceEvent] {
        var rng = SplitMix64(seed: UInt64(range.lowerBound) &+ 5)
        return range.map { i in
            InferenceEvent(eventID: "e-\(i)", timestampMs: Self.start + Int64(i), model: "m", cohort: Self.cohorts[i % Self.cohorts.count],
                           score: 0.5, embedding: (0..<8).map { _ in Float(rng.gaussian()) })
        }
    }

    /// One instance: its process, HTTP port and store.
    struct Instance {
        let process: TwinwatchProcess
        let port: Substring
        let store: String

        func scrape(_ client: CurlHTTPClient) async -> String {
            String(decoding: (try? await client.get(url: "http://127.0.0.1:\(port)/metrics", timeoutMs: 10_000))?.body ?? [], as: UTF8.self)
        }

        /// Events this process has consumed (its counter), and the cohort windows it holds now
        /// (`GET /api/v1/models`).
        func progress(_ client: CurlHTTPClient) async -> (consumed: Int, cohorts: Set<String>) {
            let text = await scrape(client)
            let consumed = text.split(separator: "\n").first { $0.hasPrefix(#"twinwatch_events_consumed_total{model="m"}"#) }
                .flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
            let body = (try? await client.get(url: "http://127.0.0.1:\(port)/api/v1/models", timeoutMs: 10_000))?.body ?? []
            let models = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["models"] as? [[String: Any]] ?? []
            let windows = models.first { $0["name"] as? String == "m" }?["windows"] as? [[String: Any]] ?? []
            return (consumed, Set(windows.compactMap { $0["cohort"] as? String }.filter { $0 != "all" }))
        }
    }

    private func start(_ name: String, brokers: String, dir: URL) async throws -> Instance {
        let store = dir.appendingPathComponent("\(name).sqlite").path
        let configPath = dir.appendingPathComponent("\(name).yaml")
        try config(brokers: brokers, store: store, name: name).write(to: configPath, atomically: true, encoding: .utf8)
        let process = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: name)
        #expect(try await waitUntil { process.log.contains("Server started and listening on 127.0.0.1:") }, "\(process.log)")
        let port = try #require(process.log.components(separatedBy: "listening on 127.0.0.1:").last?.prefix { $0.isNumber })
        return Instance(process: process, port: port, store: store)
    }

    @Test("each cohort window on exactly one instance; after kill -9 the former owner starts at the group's commit: no event consumed twice")
    func handoverWithoutRewind() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("scale-out", partitions: 4, brokers: 1)
        defer { _ = kafka.stop() }
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let producer = try KafkaProducer(brokers: [brokers], logger: quiet)
        func send(_ batch: [InferenceEvent]) async throws {
            for e in batch { try producer.produce(topic: "twinwatch.events", key: EventEncoder.kafkaKey(for: e), value: EventEncoder.json(e)) }
            try await producer.flush()
        }
        let client = CurlHTTPClient()

        // A alone consumes the first 2 000 events and checkpoints them.
        let a = try await start("a", brokers: brokers, dir: dir)
        defer { _ = a.process.stop() }
        try await send(events(0..<2_000))
        #expect(try await waitUntil(.seconds(120)) { await a.progress(client).consumed == 2_000 }, "\(a.process.log.suffix(2000))")
        try await Task.sleep(for: .seconds(2))  // one more checkpoint: A's store holds every partition at 2 000

        // B joins: the partitions split; each cohort window is held by one instance only.
        let b = try await start("b", brokers: brokers, dir: dir)
        var bKilled = false
        defer { if !bKilled { _ = b.process.stop() } }
        #expect(try await waitUntil(.seconds(60)) { b.process.log.contains("partitions assigned") && a.process.log.contains("partitions revoked") },
                "A:\n\(a.process.log.suffix(1500))\nB:\n\(b.process.log.suffix(1500))")
        try await send(events(2_000..<4_000))
        var split = (a: (consumed: 0, cohorts: Set<String>()), b: (consumed: 0, cohorts: Set<String>()))
        #expect(try await waitUntil(.seconds(120)) {
            split = (await a.progress(client), await b.progress(client))
            return split.a.consumed + split.b.consumed >= 4_000 && split.a.cohorts.union(split.b.cohorts).count == Self.cohorts.count
        }, "A \(split.a), B \(split.b)")
        #expect(split.a.cohorts.isDisjoint(with: split.b.cohorts) && !split.b.cohorts.isEmpty, "A \(split.a.cohorts.sorted()), B \(split.b.cohorts.sorted())")
        // /api/v1/status lists what each owns: the partitions split, the keys follow them.
        let statuses = try await [a, b].asyncMap { instance in
            let body = try await client.get(url: "http://127.0.0.1:\(instance.port)/api/v1/status", timeoutMs: 10_000).body
            return try #require((try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])?["consumer"] as? [String: Any])
        }
        let partitions = statuses.map { Set($0["partitions"] as? [String] ?? []) }, keys = statuses.map { Set($0["keys"] as? [String] ?? []) }
        #expect(partitions[0].isDisjoint(with: partitions[1]) && partitions[0].union(partitions[1]).count == 4, "\(partitions)")
        #expect(keys[0].union(keys[1]) == Set(Self.cohorts.map { "m/\($0)" }) && keys[0].isDisjoint(with: keys[1]), "\(keys)")
        try await Task.sleep(for: .seconds(3))  // B's checkpoint commits what it consumed
        let bConsumed = await b.progress(client).consumed
        #expect(bConsumed > 0)

        // kill -9 B. A takes its partitions back: its own checkpoint of them (at 2 000) is older
        // than the group's commit, which B moved on; A must start there, not rewind.
        b.process.kill9()
        bKilled = true
        #expect(try await waitUntil(.seconds(60)) { a.process.log.contains("checkpoint older than the group's commit") },
                "\(a.process.log.suffix(3000))")
        try await send(events(4_000..<5_000))
        #expect(try await waitUntil(.seconds(120)) { await a.progress(client).consumed + bConsumed >= 5_000 })
        try await Task.sleep(for: .seconds(3))
        let total = await a.progress(client).consumed + bConsumed
        // Every event once: a rewind to A's old checkpoint would have consumed B's share again.
        #expect(total == 5_000, "A and B consumed \(total) of 5 000 produced (B \(bConsumed))")
        #expect(await a.progress(client).cohorts.count == Self.cohorts.count)
        #expect(a.process.stop() == 0, "\(a.process.log.suffix(2000))")
    }

    /// One partition, two instances: the second gets nothing and is a ready standby (under systemd
    /// one that never became ready would be restarted, and each restart rebalances the group).
    @Test("an instance the group gives no partition is a ready standby")
    func standbyIsReady() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("standby", partitions: 1, brokers: 1)
        defer { _ = kafka.stop() }
        let client = CurlHTTPClient()
        let a = try await start("a", brokers: brokers, dir: dir)
        defer { _ = a.process.stop() }
        #expect(try await waitUntil(.seconds(60)) { a.process.log.contains("partitions assigned") })
        let b = try await start("b", brokers: brokers, dir: dir)
        defer { _ = b.process.stop() }
        var body: [String: Any] = [:]
        #expect(try await waitUntil(.seconds(60)) {
            let response = try? await client.get(url: "http://127.0.0.1:\(b.port)/readyz", timeoutMs: 10_000)
            body = (response.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any] }) ?? [:]
            return response?.status == 200
        }, "B not ready: \(body)\n\(b.process.log.suffix(2000))")
        let consumer = (body["checks"] as? [String: Any])?["consumer"] as? [String: Any]
        #expect(consumer?["standby"] as? Bool == true && consumer?["assigned_partitions"] as? Int == 0, "\(body)")
        #expect(((body["checks"] as? [String: Any])?["models"] as? [String: Any]).map { ($0["m"] as? [String: Any])?["status"] as? String } == "standby")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

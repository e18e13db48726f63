import StateStore
import DemoSupport
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Testing
import TwinwatchCore

/// kill -9 of a real `twinwatch run` against a real `twinwatch dev-kafka`: after the restart every
/// window holds exactly the rows of an uninterrupted run — nothing lost, nothing counted twice.
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    private let cohorts = ["c0", "c1", "c2"]
    private let dimension = 8
    private let windowSize = 500

    private func events(_ count: Int) -> [InferenceEvent] {
        let embeddings = SyntheticEmbeddings(dimension: dimension, seed: 5)
        var rng = SplitMix64(seed: 11)
        return (0..<count).map { i in
            InferenceEvent(eventID: "e-\(i)", timestampMs: 1_795_600_800_000 + Int64(i), model: "m", cohort: cohorts[i % cohorts.count],
                           score: 0.5, embedding: embeddings.row(using: &rng))
        }
    }

    private func config(brokers: String, store: String) -> String {
        """
        kafka:
          brokers: [\(brokers)]
          group_id: crash-test
          events_topic: twinwatch.events
          librdkafka:
            session.timeout.ms: "6000"
        models:
          - name: m
            dimension: \(dimension)
        window:
          size: \(windowSize)
        evaluation:
          interval: 1h
        baseline:
          auto_capture: false
        checkpoint:
          interval: 500ms
        store:
          path: \(store)
        http:
          enabled: false
        """
    }

    @Test("kill -9 mid-stream, restart: windows equal an uninterrupted run's, every row counted once")
    func killNineAndRestart() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("crash", partitions: 3, brokers: 1)
        defer { _ = kafka.stop() }
        let storePath = dir.appendingPathComponent("state.sqlite").path
        let configPath = dir.appendingPathComponent("twinwatch.yaml")
        try config(brokers: brokers, store: storePath).write(to: configPath, atomically: true, encoding: .utf8)

        let total = 9000
        let all = events(total)
        let producer = try KafkaProducer(brokers: [brokers])
        func produce(_ slice: ArraySlice<InferenceEvent>) async throws {
            for event in slice { try producer.produce(topic: "twinwatch.events", key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event)) }
            try await producer.flush()
        }
        func checkpointed() throws -> Int64 {
            guard FileManager.default.fileExists(atPath: storePath) else { return 0 }
            return try TwinwatchStore(path: storePath).offsets(group: "crash-test").values.reduce(0, +)
        }

        try await produce(all[0..<3000])
        let first = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run-1")
        #expect(try await waitUntil { try checkpointed() >= 3000 }, "first run never checkpointed:\n\(first.log)")
        // The rest arrives at ~2 000 events/s; the kill lands in the middle of it, with rows in
        // memory that no checkpoint holds yet.
        let rest = Task {
            for start in stride(from: 3000, to: total, by: 100) {
                try await produce(all[start..<min(start + 100, total)])
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(try await waitUntil { try checkpointed() >= 4000 }, "first run stalled:\n\(first.log)")
        first.kill9()
        let atKill = try checkpointed()
        #expect(atKill < Int64(total), "the kill came after the last checkpoint: nothing left to recover")
        try await rest.value

        let second = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run-2")
        #expect(try await waitUntil { second.log.contains("windows restored from checkpoint") }, "restart restored nothing:\n\(second.log)")
        #expect(try await waitUntil { try checkpointed() == Int64(total) }, "restart did not catch up:\n\(second.log)")
        #expect(second.stop() == 0, "\(second.log)")

        let store = try TwinwatchStore(path: storePath)
        let restored = try await store.restoreWindows(sources: Set((0..<3).map { TopicPartition(topic: "twinwatch.events", partition: $0) }),
                                                      includeAggregates: true, capacity: windowSize)
        let byKey = Dictionary(uniqueKeysWithValues: restored.map { ($0.id.cohort, $0) })
        // Every event counted exactly once: an at-least-once replay without the checkpoint would double-count.
        #expect(byKey["all"]?.appended == Int64(total), "checkpointed \(atKill) of \(total) at the kill")
        #expect(byKey["all"]?.rows.count == windowSize)
        let baseline = try BaselineSummary(baseline: matrix(all.prefix(windowSize)), configuration: DriftConfiguration(estimators: [.w1, .sliced]))
        for cohort in cohorts {
            let window = try #require(byKey[cohort])
            let expected = all.filter { $0.cohort == cohort }
            #expect(window.appended == Int64(expected.count))
            let uninterrupted = try matrix(expected.suffix(windowSize))
            let recovered = try Matrix(rows: window.rows.count, cols: dimension, values: window.rows.values)
            #expect(recovered.values == uninterrupted.values, "window \(cohort) differs from an uninterrupted run")
            #expect(try baseline.evaluate(recovered) == baseline.evaluate(uninterrupted))
        }
    }

    private func matrix(_ events: some Collection<InferenceEvent>) throws -> Matrix {
        try Matrix(rows: events.count, cols: dimension, values: events.flatMap { $0.embedding! })
    }
}

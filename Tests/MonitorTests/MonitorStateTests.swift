import StateStore
import DemoSupport
import Foundation
import KafkaIO
import Logging
import Monitor
import Testing
import TwinwatchCore

@Suite("Windows per cohort, checkpoint and restore")
struct MonitorStateTests {
    private let logger = Logger(label: "test")
    private let p0 = TopicPartition(topic: "events", partition: 0)

    private func config(size: Int = 4, maxCohorts: Int = 100, store: String) -> TwinwatchConfig {
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["b:9092"]), window: WindowSettings(size: size, minRows: 2, maxCohorts: maxCohorts),
                                     baseline: BaselineSettings(autoCapture: false))
        config.store = StoreSettings(path: store)
        return config
    }

    private func storePath() -> String { try! TemporaryStore.path("state") }

    private func events(_ range: Range<Int>, cohorts: [String] = ["a", "b"]) -> [InferenceEvent] {
        range.map { i in
            InferenceEvent(eventID: "e\(i)", timestampMs: Int64(i), model: "m", cohort: cohorts[i % cohorts.count], score: Double(i) / 100,
                           embedding: [Float(i), Float(-i)])
        }
    }

    @Test("each event feeds its cohort window and the model aggregate; cohorts past the cap share 'other'")
    func cohorts() async throws {
        let state = MonitorState(config: config(maxCohorts: 2, store: storePath()), logger: logger)
        _ = await state.ingest(events(0..<6, cohorts: ["a", "b", "c"]), sources: Array(repeating: p0, count: 6))
        let rows = await state.windowRows()
        #expect(rows == [WindowID(model: "m", cohort: "a"): 2, WindowID(model: "m", cohort: "b"): 2,
                         WindowID(model: "m", cohort: "other"): 2, WindowID(model: "m", cohort: "all"): 4])
        #expect(await state.rows(of: WindowID(model: "m", cohort: "all"))?.values == [2, -2, 3, -3, 4, -4, 5, -5])
    }

    @Test("a checkpoint restores the same windows in a new process, and evaluation sizes follow the ladder")
    func checkpointRestore() async throws {
        let path = storePath()
        let store = try TwinwatchStore(path: path)
        let first = MonitorState(config: config(store: path), store: store, logger: logger)
        await first.partitionsAssigned([TopicPartition(topic: "events", partition: 0)])
        _ = await first.ingest(events(0..<5), sources: Array(repeating: p0, count: 5))
        await first.completeBatch(offsets: [p0: 5])
        let checkpoint = await first.checkpoint(groupID: "g")
        #expect(checkpoint.offsets == [PartitionOffset(topic: "events", partition: 0, nextOffset: 5)])
        try await store.write(checkpoint)
        await first.checkpointWritten(checkpoint)
        _ = await first.ingest(events(5..<7), sources: [p0, p0])
        await first.completeBatch(offsets: [p0: 7])
        // Only the two new rows per touched window are written next time.
        let next = await first.checkpoint(groupID: "g")
        #expect(next.windows.map(\.newRows.count) == [1, 2, 1])
        try await store.write(next)

        let second = MonitorState(config: config(store: path), store: try TwinwatchStore(path: path), logger: logger)
        await second.partitionsAssigned([TopicPartition(topic: "events", partition: 0)])
        for key in ["a", "b", "all"].map({ WindowID(model: "m", cohort: $0) }) {
            #expect(await second.rows(of: key) == (await first.rows(of: key)), "\(key)")
        }
        #expect(try store.offsets(group: "g") == [p0: 7])
        // Restored windows wait for a new row before they are evaluated again.
        #expect(await second.evaluationInputs().isEmpty)
        _ = await second.ingest(events(7..<8), sources: [p0])
        let inputs = await second.evaluationInputs()
        #expect(inputs.map(\.id.cohort) == ["all", "b"])
        #expect(inputs.map(\.window.rows) == [4, 4])
    }

    @Test("revoked partitions take their cohort windows with them")
    func revoke() async throws {
        let state = MonitorState(config: config(store: storePath()), logger: logger)
        await state.partitionsAssigned([TopicPartition(topic: "events", partition: 0)])
        _ = await state.ingest(events(0..<4), sources: Array(repeating: p0, count: 4))
        await state.partitionsRevoked([TopicPartition(topic: "events", partition: 0)])
        #expect(await state.windowRows().keys.map(\.cohort) == ["all"])
    }
}

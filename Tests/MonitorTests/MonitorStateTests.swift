import StateStore
import DemoSupport
import Foundation
import KafkaIO
import Logging
@testable import Monitor
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
        await state.partitionsAssigned([p0])
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

    /// librdkafka yields a poll's messages after the revoke it ran into: a batch of a revoked
    /// partition may reach state after the revoke. Nothing of it may stay: no window, no rows in
    /// the aggregate, no offset, no labelled window, nothing in the next checkpoint.
    @Test("a batch in flight when its partition is revoked leaves no trace of that partition")
    func revokedBatchIsFenced() async throws {
        let p1 = TopicPartition(topic: "events", partition: 1)
        let state = MonitorState(config: config(size: 100, store: storePath()), logger: logger)
        await state.partitionsAssigned([p0, p1])
        func labelled(_ range: Range<Int>, cohort: String) -> [InferenceEvent] {
            range.map { i in
                InferenceEvent(eventID: "\(cohort)\(i)", timestampMs: Int64(i), model: "m", cohort: cohort, score: 0.6,
                               embedding: [Float(i), 1], label: i % 2)
            }
        }
        // Before the revoke: cohort a on p0, cohort b on p1.
        _ = await state.ingest(labelled(0..<4, cohort: "a") + labelled(0..<4, cohort: "b"), sources: Array(repeating: p0, count: 4) + Array(repeating: p1, count: 4))
        await state.completeBatch(offsets: [p0: 4, p1: 4])
        await state.partitionsRevoked([p0])
        // The batch polled before the revoke arrives after it: a's events of p0, then b's of p1.
        _ = await state.ingest(labelled(4..<8, cohort: "a") + labelled(4..<6, cohort: "b"), sources: Array(repeating: p0, count: 4) + [p1, p1])
        await state.completeBatch(offsets: [p0: 8, p1: 6])

        let rows = await state.windowRows()
        #expect(rows[WindowID(model: "m", cohort: "a")] == nil, "\(rows)")
        #expect(rows[WindowID(model: "m", cohort: "b")] == 6)
        // The aggregate holds the 8 rows read while p0 was owned and b's 2 new ones, none of the fenced.
        #expect(rows[WindowID(model: "m", cohort: "all")] == 10)
        #expect(await state.fenced == 4)
        let checkpoint = await state.checkpoint(groupID: "g")
        #expect(checkpoint.offsets == [PartitionOffset(topic: "events", partition: 1, nextOffset: 6)])
        #expect(!checkpoint.windows.contains { $0.cohort == "a" })
        let round = await state.verificationRound(atMs: 10)
        #expect(!round.snapshots.contains { $0.cohort == "a" }, "\(round.snapshots.map(\.cohort))")
        #expect(round.snapshots.contains { $0.cohort == "b" })
    }

    /// A former owner never rewinds: when the group's commit is past this store's checkpoint of a
    /// partition (another instance owned it since), its stored windows and offset are forgotten
    /// and it starts at the group's commit; a checkpoint at or past the commit is restored.
    @Test("a checkpoint older than the group's commit is forgotten, a newer or equal one is used")
    func formerOwnerDoesNotRewind() async throws {
        let p1 = TopicPartition(topic: "events", partition: 1)
        let path = storePath()
        let store = try TwinwatchStore(path: path)
        let state = MonitorState(config: config(store: path), store: store, logger: logger)
        await state.partitionsAssigned([p0, p1])
        _ = await state.ingest(events(0..<4, cohorts: ["a"]) + events(4..<8, cohorts: ["b"]), sources: Array(repeating: p0, count: 4) + Array(repeating: p1, count: 4))
        await state.completeBatch(offsets: [p0: 100, p1: 200])
        try await store.write(await state.checkpoint(groupID: "g"))
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical

        // The coordinator did not answer, or nothing newer was committed: this store's checkpoint.
        #expect(Daemon.checkpointedOffsets(store, groupID: "g", [p0, p1], committed: nil, quiet) == [p0: 100, p1: 200])
        #expect(Daemon.checkpointedOffsets(store, groupID: "g", [p0, p1], committed: [p0: 100, p1: 150], quiet) == [p0: 100, p1: 200])
        // p0 was consumed elsewhere up to 180: its checkpoint is forgotten, windows and offset.
        #expect(Daemon.checkpointedOffsets(store, groupID: "g", [p0, p1], committed: [p0: 180, p1: 200], quiet) == [p1: 200])
        #expect(try store.offsets(group: "g") == [p1: 200])
        let restored = try await store.restoreWindows(sources: [p0, p1], includeAggregates: false, capacity: 10)
        #expect(restored.map(\.id.cohort) == ["b"])
    }

    /// The model aggregate is scored only from a faithful mix of its cohorts: never in
    /// consumption order (events without distinct event times), never on an instance that owns
    /// only some of the events topic's partitions. Its cohorts are scored either way.
    @Test("an aggregate that cannot be composed faithfully is not scored, and the reason is kept")
    func aggregateNotScoredWithoutEventTimesOrAllPartitions() async throws {
        let p1 = TopicPartition(topic: "events", partition: 1)
        var settings = config(size: 8, store: storePath())
        settings.kafka.eventsTopic = "events"
        let sameTime = MonitorState(config: settings, logger: logger)
        await sameTime.partitionsAssigned([p0])
        let flat = (0..<16).map { i in
            InferenceEvent(eventID: "e\(i)", timestampMs: 1_000, model: "m", cohort: ["a", "b"][i % 2], score: 0.5, embedding: [Float(i), 1])
        }
        _ = await sameTime.ingest(flat, sources: Array(repeating: p0, count: 16))
        #expect(await sameTime.evaluationInputs().map(\.id.cohort).sorted() == ["a", "b"])
        #expect(await sameTime.aggregatesNotScored["m"]?.contains("no distinct event times") == true)
        #expect(await sameTime.calibration["m"]?.name == "aggregate_not_scored")

        let partial = MonitorState(config: settings, logger: logger)
        await partial.partitionsAssigned([p0])
        await partial.eventsTopicHas(partitions: 2)
        _ = await partial.ingest(events(0..<16), sources: Array(repeating: p0, count: 16))
        #expect(await partial.evaluationInputs().map(\.id.cohort).sorted() == ["a", "b"])
        #expect(await partial.aggregatesNotScored["m"]?.contains("owns 1 of the 2 partitions") == true)
        // Given the other partition too, it owns the model's whole traffic: the aggregate is scored.
        await partial.partitionsAssigned([p1])
        _ = await partial.ingest(events(16..<24), sources: Array(repeating: p1, count: 8))
        #expect(await partial.evaluationInputs().map(\.id.cohort).contains("all"))
        #expect(await partial.aggregatesNotScored["m"] == nil)
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

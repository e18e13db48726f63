import StateStore
import Testing
import TwinwatchCore

@Suite("Store: window checkpoints")
struct CheckpointTests {
    private func rows(_ first: Int64, _ count: Int, d: Int) -> WindowRows {
        WindowRows(firstSeq: first, values: (0..<(count * d)).map { Float(Int(first) * d + $0) },
                   timestamps: (0..<count).map { 1000 + first + Int64($0) }, scores: (0..<count).map { Float($0) / 10 })
    }

    @Test("deltas accumulate, evicted chunks go, restore returns the newest rows and the offsets")
    func restore() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        let p0 = TopicPartition(topic: "events", partition: 0)
        let d = 2, capacity = 5
        // Three checkpoints of 3 rows each to a window of 5: rows 0–8 appended, 4–8 kept.
        for step in 0..<3 {
            let first = Int64(step * 3)
            try await store.write(Checkpoint(groupID: "g", windows: [
                WindowDelta(model: "m", cohort: "c", dimension: d, appended: first + 3, source: p0, newRows: rows(first, 3, d: d),
                            keepFromSeq: max(0, first + 3 - Int64(capacity))),
                WindowDelta(model: "m", cohort: "all", dimension: d, appended: first + 3, source: nil, newRows: rows(first, 3, d: d),
                            keepFromSeq: max(0, first + 3 - Int64(capacity))),
            ], offsets: [PartitionOffset(topic: "events", partition: 0, nextOffset: 100 + first)]))
        }
        #expect(try store.offsets(group: "g") == [p0: 106])
        #expect(try store.offsets(group: "other").isEmpty)
        let restored = try await store.restoreWindows(sources: [p0], includeAggregates: true, capacity: capacity)
        #expect(restored.map(\.id.description) == ["m/all", "m/c"])
        let cohort = restored[1]
        #expect(cohort.appended == 9 && cohort.rows.firstSeq == 4 && cohort.rows.count == 5 && cohort.source == p0)
        #expect(cohort.rows.values == (8..<18).map(Float.init))
        #expect(cohort.rows.timestamps == (4..<9).map { 1000 + Int64($0) })
        // Another partition's keys and the aggregates are filtered as asked.
        #expect(try await store.restoreWindows(sources: [], includeAggregates: false, capacity: capacity).isEmpty)
        #expect(try await store.restoreWindows(sources: [], includeAggregates: true, capacity: 3).first?.rows.firstSeq == 6)
    }
}

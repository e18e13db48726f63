import StateStore
import DriftEstimators
import Testing
import TwinwatchCore
@testable import Monitor

/// The model aggregate is composed in event time across its cohorts, up to the watermark, not in
/// the order partitions happened to be consumed.
@Suite struct AggregateWindowTests {
    /// Appends `count` rows of `cohort` whose single value is `value`, at event times `from`, `from + 1`, ….
    static func burst(_ set: inout WindowSet, cohort: String, value: Float, from: Int64, count: Int) {
        for i in 0..<count {
            [value, Float(i)].withUnsafeBufferPointer { row in
                set.append(model: "m", cohort: cohort, row: row, timestampMs: from + Int64(i), score: .nan, source: nil)
            }
        }
    }

    @Test func burstsOfOnePartitionDoNotSkewTheMix() throws {
        var set = WindowSet(settings: WindowSettings(size: 300))
        // Consumed in bursts: 300 rows of a (t 0…299), then 300 of b (t 0…299), then 100 more of a (t 300…399).
        Self.burst(&set, cohort: "a", value: 1, from: 0, count: 300)
        Self.burst(&set, cohort: "b", value: 2, from: 0, count: 300)
        Self.burst(&set, cohort: "a", value: 1, from: 300, count: 100)
        // The ring's newest 200 rows: 100 of b, then a's latest burst. In event time up to the
        // watermark (b's newest, t 299): t 200…299 of both cohorts, 100 each.
        let ring = try #require(set.windows[WindowID(model: "m", cohort: "all")]).window.newest(200).matrix
        #expect((0..<200).filter { ring[$0, 0] == 1 }.count == 100)
        let composed = try #require(set.aggregateRows(model: "m", count: 200)).matrix
        let aRows = (0..<200).filter { composed[$0, 0] == 1 }
        #expect(aRows.count == 100)
        #expect(aRows.allSatisfy { composed[$0, 1] >= 200 && composed[$0, 1] < 300 }, "a's rows past the watermark are left for later")
        // Oldest first, by event time.
        #expect((1..<200).allSatisfy { composed[$0, 1] >= composed[$0 - 1, 1] || composed[$0, 0] != composed[$0 - 1, 0] })
    }

    @Test func aQuietCohortDoesNotHoldTheWatermarkBack() throws {
        var set = WindowSet(settings: WindowSettings(size: 200))
        Self.burst(&set, cohort: "quiet", value: 3, from: 0, count: 5)
        Self.burst(&set, cohort: "a", value: 1, from: 10_000, count: 200)
        Self.burst(&set, cohort: "b", value: 2, from: 10_000, count: 200)
        // The aggregate ring spans t 10 100…10 199; "quiet" last sent at t 4: not active.
        let composed = try #require(set.aggregateRows(model: "m", count: 200)).matrix
        #expect((0..<200).allSatisfy { composed[$0, 1] >= 100 } && (0..<200).filter { composed[$0, 0] == 1 }.count == 100)
        // Fewer rows than asked for: nil, and the aggregate is not scored.
        #expect(set.aggregateRows(model: "m", count: 1000) == nil)
    }
}

extension AggregateWindowTests {
    /// Without event times there is no order to compose by: nil (the aggregate is not scored).
    @Test func withoutEventTimesNothingIsComposed() {
        var set = WindowSet(settings: WindowSettings(size: 100))
        for i in 0..<200 {
            [Float(i % 2), 0].withUnsafeBufferPointer { row in
                set.append(model: "m", cohort: i % 2 == 0 ? "a" : "b", row: row, timestampMs: 0, score: .nan, source: nil)
            }
        }
        #expect(set.aggregateRows(model: "m", count: 100) == nil)
    }
}

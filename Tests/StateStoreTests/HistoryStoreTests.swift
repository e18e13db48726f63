import Foundation
import StateStore
import Synchronization
import Testing
import TwinwatchCore

@Suite("Evaluation history")
struct HistoryStoreTests {
    static func drift(_ p: Double) -> HistoryValues { HistoryValues([.combinedP: p, .score(.w1): 0.25, .pValue(.sliced): 0.01]) }

    @Test("rows come back per model, in time order, filtered by kind and period; pruning deletes only older rows")
    func appendQueryPrune() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("history"))
        try await store.appendHistory([
            HistoryRecord(model: "m", cohort: "all", kind: .drift, atMs: 2_000, values: Self.drift(0.5)),
            HistoryRecord(model: "m", cohort: "eu", kind: .verification, atMs: 1_000, values: HistoryValues([.tp: 3, .rate(.far): 0.01])),
            HistoryRecord(model: "other", cohort: "all", kind: .drift, atMs: 1_500, values: HistoryValues()),
            HistoryRecord(model: "m", cohort: "", kind: .alert, atMs: 3_000, body: Array(#"{"rule":"R"}"#.utf8)),
        ])
        #expect(try await store.history(model: "m").map(\.atMs) == [1_000, 2_000, 3_000])
        let drift = try await store.history(model: "m", kinds: [.drift])
        #expect(drift.map(\.values) == [Self.drift(0.5)])
        #expect(try await store.history(model: "m", kinds: [.alert]).first?.json?["rule"] as? String == "R")
        #expect(try await store.history(model: "m", fromMs: 1_500, toMs: 2_500).map(\.kind) == [.drift])
        #expect(try await store.pruneHistory(beforeMs: 2_000) == 2)
        #expect(try await store.history(model: "m").map(\.atMs) == [2_000, 3_000])
        #expect(try await store.history(model: "other").isEmpty)
    }

    @Test("latest per cohort within a period (the last written on a tie); a scan goes cohort by cohort, each oldest first")
    func latestAndScan() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("history-latest"))
        func row(_ cohort: String, _ at: Int64, _ p: Double, kind: HistoryRecord.Kind = .drift) -> HistoryRecord {
            HistoryRecord(model: "m", cohort: cohort, kind: kind, atMs: at, values: Self.drift(p))
        }
        try await store.appendHistory([row("b", 1_000, 0.1), row("a", 1_000, 0.2), row("b", 3_000, 0.3), row("a", 2_000, 0.4),
                                       row("a", 2_000, 0.5), row("a", 9_000, 0.6, kind: .verification)])
        let latest = try await store.latestHistory(model: "m", kind: .drift)
        #expect(latest.map(\.cohort) == ["a", "b"] && latest.map { $0.values?[.combinedP] } == [0.5, 0.3])
        let early = try await store.latestHistory(model: "m", kind: .drift, toMs: 1_500)
        #expect(early.map { $0.values?[.combinedP] } == [0.2, 0.1])
        let seen = Mutex<[String]>([])
        try await store.scanHistory(model: "m", kind: .drift) { cohort, at, _ in seen.withLock { $0.append("\(cohort)@\(at)") } }
        #expect(seen.withLock { $0 } == ["a@1000", "a@2000", "a@2000", "b@1000", "b@3000"])
    }

    @Test("values: every field round-trips bit-exactly; non-finite values and unknown estimators are left out; bad bodies are refused")
    func valuesRoundTrip() {
        var all: [HistoryValues.Field: Double] = [.baseline: 7, .rows: 1000, .combinedP: 1.0 / 1001, .scoreShift: -0.125, .totalVariance: 3.5,
                                                  .effectiveRank: 12.25, .meanPairwiseCosine: 0.1, .threshold: 0.52, .tp: 1, .fn: 2, .fp: 3, .tn: 4,
                                                  .eer: 0.05, .eerThreshold: 0.49]
        for kind in [DriftEstimatorKind.w1, .sliced, .frechet, .gaussianKL, .histKL, .knnKL, .norm] {
            all[.score(kind)] = 0.1; all[.pValue(kind)] = 0.2; all[.z(kind)] = -1.5
        }
        for rate in HistoryValues.Field.Rate.allCases { all[.rate(rate)] = 0.3; all[.rateLower(rate)] = 0.2; all[.rateUpper(rate)] = 0.4 }
        let values = HistoryValues(all)
        #expect(values.values.count == all.count)
        #expect(HistoryValues(decoding: values.encoded) == values)
        #expect(values.encoded.count == 1 + 9 * all.count)
        #expect(HistoryValues([.combinedP: .nan, .score(.health): 1, .rows: 5]).values == [.rows: 5])
        #expect(HistoryValues(decoding: [2]) == nil && HistoryValues(decoding: [1, 3, 0]) == nil)
    }

    @Test("disk per key and day: a day of drift and verification rows at 10 s (8 640 each) stays under 6 MB")
    func diskCost() async throws {
        let path = try TemporaryStore.path("history-size")
        let store = try TwinwatchStore(path: path)
        var drift: [HistoryValues.Field: Double] = [.baseline: 1, .rows: 1000, .combinedP: 0.4321, .totalVariance: 3.2, .effectiveRank: 40.5,
                                                    .meanPairwiseCosine: 0.02, .scoreShift: 0.01]
        for kind in [DriftEstimatorKind.w1, .sliced, .frechet, .gaussianKL, .histKL, .norm] {
            drift[.score(kind)] = 0.123; drift[.pValue(kind)] = 0.456; drift[.z(kind)] = 0.789
        }
        var verification: [HistoryValues.Field: Double] = [.threshold: 0.5, .tp: 900, .fn: 100, .fp: 10, .tn: 990, .eer: 0.05, .eerThreshold: 0.5]
        for rate in HistoryValues.Field.Rate.allCases { verification[.rate(rate)] = 0.1; verification[.rateLower(rate)] = 0.09; verification[.rateUpper(rate)] = 0.11 }
        let before = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        for chunk in stride(from: 0, to: 8640, by: 1440) {
            var rows: [HistoryRecord] = []
            for i in chunk..<chunk + 1440 {
                rows.append(HistoryRecord(model: "face-verify", cohort: "eu-mobile", kind: .drift, atMs: Int64(i) * 10_000, values: HistoryValues(drift)))
                rows.append(HistoryRecord(model: "face-verify", cohort: "eu-mobile", kind: .verification, atMs: Int64(i) * 10_000, values: HistoryValues(verification)))
            }
            try await store.appendHistory(rows)
        }
        try await store.checkpointWAL()
        let after = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        let perDay = after - before
        print("evaluation history: \(perDay) bytes per key and day at 10 s (\(perDay / 17_280) B a row)")
        #expect(perDay < 6_000_000)
    }
}

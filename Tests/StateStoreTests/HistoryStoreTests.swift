import StateStore
import Testing

@Suite("Evaluation history")
struct HistoryStoreTests {
    @Test("rows come back per model, in time order, filtered by kind and period; pruning deletes only older rows")
    func appendQueryPrune() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("history"))
        try await store.appendHistory([
            HistoryRecord(model: "m", cohort: "all", kind: .drift, atMs: 2_000, body: #"{"combined_p":0.5}"#),
            HistoryRecord(model: "m", cohort: "eu", kind: .verification, atMs: 1_000, body: #"{"tp":3}"#),
            HistoryRecord(model: "other", cohort: "all", kind: .drift, atMs: 1_500, body: "{}"),
            HistoryRecord(model: "m", cohort: "", kind: .alert, atMs: 3_000, body: #"{"rule":"R"}"#),
        ])
        #expect(try await store.history(model: "m").map(\.atMs) == [1_000, 2_000, 3_000])
        #expect(try await store.history(model: "m", kinds: [.drift]).map(\.body) == [#"{"combined_p":0.5}"#])
        #expect(try await store.history(model: "m", fromMs: 1_500, toMs: 2_500).map(\.kind) == [.drift])
        #expect(try await store.pruneHistory(beforeMs: 2_000) == 2)
        #expect(try await store.history(model: "m").map(\.atMs) == [2_000, 3_000])
        #expect(try await store.history(model: "other").isEmpty)
    }
}

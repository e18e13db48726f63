import StateStore
import Testing

@Suite("Store: threshold history")
struct ThresholdStoreTests {
    @Test("the threshold in force is the latest applied record per (model, cohort); proposals are history only")
    func inForce() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        #expect(try await store.thresholdsInForce().isEmpty)
        try await store.append(ThresholdRecord(model: "m", cohort: "c1", threshold: 0.55, previous: nil, version: 1, status: .applied,
                                               method: "manual", reason: "initial", evidence: nil))
        try await store.append(ThresholdRecord(model: "m", cohort: "c1", threshold: 0.60, previous: 0.55, version: 1, status: .proposed,
                                               method: "target_far:0.001", reason: "dry run", evidence: #"{"fp":12}"#))
        let applied = try await store.append(ThresholdRecord(model: "m", cohort: "c2", threshold: 0.58, previous: 0.55, version: 2,
                                                             status: .applied, method: "target_far:0.001", reason: nil, evidence: #"{"fp":3}"#))
        #expect(applied.id > 0 && !applied.createdAt.isEmpty)
        let force = try await store.thresholdsInForce()
        #expect(force.map { "\($0.cohort)=\($0.threshold) v\($0.version)" } == ["c1=0.55 v1", "c2=0.58 v2"])
        let history = try await store.thresholdHistory(model: "m", cohort: "c1")
        #expect(history.map(\.status) == [.proposed, .applied] && history[0].evidence == #"{"fp":12}"#)
        #expect(try await store.thresholdHistory().count == 3)
    }
}

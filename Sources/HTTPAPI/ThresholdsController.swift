import Foundation
import Hummingbird
import Monitor
import StateStore

/// `GET /api/v1/thresholds`: every cohort's threshold in force (with labelled events, or with a
/// stored change), its version and how it was set, and the recent history of changes and
/// proposals with their evidence. The serving side can read it instead of the Kafka topic.
public struct ThresholdsController: Sendable {
    let state: MonitorState
    let store: TwinwatchStore
    let defaultThreshold: Double

    public init(state: MonitorState, store: TwinwatchStore, defaultThreshold: Double) {
        self.state = state
        self.store = store
        self.defaultThreshold = defaultThreshold
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/thresholds") { _, _ -> Response in
            let stored = Dictionary(try await store.thresholdsInForce().map { ("\($0.model)/\($0.cohort)", $0) }, uniquingKeysWith: { a, _ in a })
            var rows: [[String: Any]] = []
            // Keys are "model/cohort"; model names cannot hold "/" (the Kafka key's separator).
            let live = Dictionary(uniqueKeysWithValues: await state.thresholdsInForce.map { ("\($0.key.model)/\($0.key.cohort)", $0.value) })
            let keys = Set(stored.keys).union(live.keys)
            for key in keys.sorted() {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                var row: [String: Any] = ["model": parts[0], "cohort": parts.count > 1 ? parts[1] : ""]
                if let r = stored[key] {
                    row["threshold"] = live[key] ?? r.threshold
                    row["version"] = r.version
                    row["method"] = r.method
                    row["updated_at"] = r.createdAt
                } else {
                    row["threshold"] = live[key] ?? defaultThreshold
                    row["version"] = 0
                    row["method"] = "configured"
                }
                rows.append(row)
            }
            let history = try await store.thresholdHistory(limit: 50).map { r -> [String: Any] in
                var h: [String: Any] = ["model": r.model, "cohort": r.cohort, "threshold": r.threshold, "version": r.version,
                                        "status": r.status.rawValue, "method": r.method, "at": r.createdAt]
                if let p = r.previous { h["previous"] = p }
                if let reason = r.reason { h["reason"] = reason }
                if let e = r.evidence, let json = try? JSONSerialization.jsonObject(with: Data(e.utf8)) { h["evidence"] = json }
                return h
            }
            let body = try JSONSerialization.data(withJSONObject: ["default_threshold": defaultThreshold, "thresholds": rows, "history": history],
                                                  options: [.sortedKeys, .prettyPrinted])
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}

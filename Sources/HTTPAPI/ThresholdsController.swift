import Alerting
import Foundation
import Hummingbird
import Monitor
import StateStore
import TwinwatchCore

/// `GET /api/v1/thresholds`: every cohort's threshold in force (with labelled events, or with a
/// stored change), its version and how it was set, and the recent history of changes and
/// proposals with their evidence. The serving side can read it instead of the Kafka topic.
/// `POST /api/v1/thresholds/{model}/{cohort}` (authenticated) sets a cohort's threshold by hand.
struct ThresholdsController: Sendable {
    let api: OperationsAPI
    private var state: MonitorState { api.state }
    private var store: TwinwatchStore { api.store }
    private var defaultThreshold: Double { api.config.verification.threshold }

    func register(on router: Router<BasicRequestContext>, mutating: RouterGroup<BasicRequestContext>) {
        mutating.post("/thresholds/:model/:cohort") { request, context -> Response in
            try await set(request, context)
        }
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
            return try APIResponse.json(["default_threshold": defaultThreshold, "thresholds": rows, "history": history])
        }
    }

    /// `{"threshold": 0.6, "reason": "…"}`: in force at once (the cohort's next version, method
    /// `manual`), stored with the reason, published like an adaptive change; the cohort's adaptive
    /// threshold starts over from it.
    private func set(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        guard let model = context.parameters.get("model"), let cohort = context.parameters.get("cohort") else {
            return APIResponse.error(.badRequest, "invalid_path", "expected /api/v1/thresholds/{model}/{cohort}")
        }
        let body: [String: Any]
        switch await APIResponse.jsonObject(request, limit: api.config.http.maxBodyBytes) {
        case .success(let object): body = object
        case .failure(let failure): return failure.response
        }
        guard let value = (body["threshold"] as? NSNumber)?.doubleValue, value.isFinite,
              api.config.verification.scoreRange.contains(value) else {
            let range = api.config.verification.scoreRange
            return APIResponse.error(.badRequest, "invalid_threshold",
                                     "\"threshold\" must be a number in the score range [\(range.lowerBound), \(range.upperBound)]")
        }
        if !api.config.models.isEmpty, !api.config.models.contains(where: { $0.name == model }) {
            return APIResponse.error(.notFound, "unknown_model", "model \(model) is not configured")
        }
        guard cohort != WindowSettings.aggregateCohort else {
            return APIResponse.error(.badRequest, "invalid_cohort", "cohort \"all\" has no threshold of its own: each cohort is counted at its own")
        }
        let reason = (body["reason"] as? String).map { String($0.prefix(500)) } ?? "set through the API"
        let (key, previous, state) = await state.setThreshold(value, model: model, cohort: cohort, atMs: WallClock.nowMs())
        let record = ThresholdRecord(model: key.model, cohort: key.cohort, threshold: value, previous: previous.threshold, version: state.version,
                                     status: .applied, method: "manual", reason: reason, evidence: nil)
        let stored = try await store.append(record)
        context.logger.info("threshold set through the API", metadata: ["model": "\(key.model)", "cohort": "\(key.cohort)",
                                                                        "from": "\(previous.threshold)", "to": "\(value)", "version": "\(state.version)"])
        api.metrics.thresholdUpdate(model: key.model, cohort: key.cohort, status: "applied")
        await api.publisher?.publish(stored, inForce: try await store.thresholdsInForce())
        return try APIResponse.json(["model": stored.model, "cohort": stored.cohort, "threshold": stored.threshold, "previous": previous.threshold,
                                     "version": stored.version, "method": stored.method, "reason": reason, "at": stored.createdAt])
    }
}

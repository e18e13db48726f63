import Foundation
import Hummingbird
import Monitor
import StateStore
import TwinwatchCore

/// `GET /api/v1/status` (version, uptime, readiness, consumer, events, alerts, the last reload)
/// and `GET /api/v1/models` (per model: dimension, active baseline, calibration, windows,
/// thresholds in force).
struct StatusController: Sendable {
    let api: OperationsAPI

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/v1/status") { _, _ -> Response in
            let alerts = await api.alerts.alerts
            var status: [String: Any] = [
                "version": api.version,
                "started_at": RFC3339.string(millis: Int64(api.startedAt.timeIntervalSince1970 * 1000)),
                "uptime_seconds": Int(Date().timeIntervalSince(api.startedAt)),
                "readiness": await api.readiness().json,
                "consumer": ["group_id": api.config.kafka.groupID,
                             "topics": [api.config.kafka.eventsTopic] + (api.config.kafka.feedbackTopic.map { [$0] } ?? []),
                             "assigned_partitions": await api.state.assignedPartitionCount,
                             // What this instance owns now: its partitions and the model/cohort keys they carry.
                             "partitions": await api.state.ownedPartitions.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
                                 .map { "\($0.topic)/\($0.partition)" },
                             "keys": await api.state.ownedKeys.map { "\($0.model)/\($0.cohort)" }] as [String: Any],
                "events": ["accepted": await api.state.accepted, "labelled": await api.state.labelledEvents],
                "alerts": ["firing": alerts.filter { $0.state == .firing }.count, "pending": alerts.filter { $0.state == .pending }.count],
            ]
            if let reloader = api.reloader {
                var reload: [String: Any] = ["config_file": await reloader.configPath]
                if let last = await reloader.last {
                    var outcome: [String: Any] = ["ok": last.ok, "at": RFC3339.string(millis: last.atMs), "applied": last.applied,
                                                  "need_restart": last.needRestart]
                    if let error = last.error { outcome["error"] = error }
                    reload["last"] = outcome
                }
                status["reload"] = reload
            }
            return try APIResponse.json(status)
        }
        router.get("/api/v1/models") { _, _ -> Response in
            let active = try await api.store.activeBaselines()
            let calibration = await api.state.calibration
            let rows = await api.state.windowRows()
            let thresholds = await api.state.thresholdsInForce
            var names = Set(await api.modelNames()).union(active.keys)
            names.formUnion(rows.keys.map(\.model))
            var models: [[String: Any]] = []
            for name in names.sorted() {
                var model: [String: Any] = ["name": name, "configured": api.config.models.contains { $0.name == name }]
                if let d = api.config.modelDimensions[name] { model["dimension"] = d }
                if let id = active[name] {
                    let info = try await api.store.info(id: id)
                    model["active_baseline"] = ["id": info.id, "version": info.version, "n": info.n, "created_at": info.createdAt,
                                                "source": info.source] as [String: Any]
                }
                switch calibration[name] {
                case .calibrated(let id, let window)?: model["calibration"] = ["status": "calibrated", "baseline": id, "window": window]
                case .uncalibrated(let why)?: model["calibration"] = ["status": "uncalibrated", "reason": why]
                case .aggregateNotScored(let why)?: model["calibration"] = ["status": "aggregate_not_scored", "reason": why]
                case let other?: model["calibration"] = ["status": other.name]
                case nil: model["calibration"] = ["status": "not_evaluated"]
                }
                model["windows"] = rows.filter { $0.key.model == name }.sorted { $0.key < $1.key }
                    .map { ["cohort": $0.key.cohort, "rows": $0.value] as [String: Any] }
                model["thresholds"] = thresholds.filter { $0.key.model == name }.sorted { $0.key < $1.key }
                    .map { ["cohort": $0.key.cohort, "threshold": $0.value] as [String: Any] }
                models.append(model)
            }
            return try APIResponse.json(["models": models])
        }
    }
}

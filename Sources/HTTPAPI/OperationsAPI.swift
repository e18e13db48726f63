import Alerting
import Foundation
import Monitor
import StateStore
import TwinwatchCore

/// What the HTTP endpoints read and act on: the daemon's state, store, metrics, alerts, reloader
/// and threshold publisher, and the configuration it started with.
public struct OperationsAPI: Sendable {
    public let config: TwinwatchConfig
    public let state: MonitorState
    public let store: TwinwatchStore
    public let metrics: DaemonMetrics
    public let alerts: AlertCoordinator
    /// Nil: the daemon was not started from a file (`POST /api/v1/reload` answers 409).
    public let reloader: ConfigReloader?
    /// Where manual threshold changes are published (Kafka topic, file), as adaptive ones.
    public let publisher: ThresholdPublisher?
    public let startedAt: Date
    public let version: String
    /// Estimator work running now (what is past its budget fails readiness).
    public let work: EstimatorWork

    public init(config: TwinwatchConfig, state: MonitorState, store: TwinwatchStore, metrics: DaemonMetrics, alerts: AlertCoordinator,
                reloader: ConfigReloader? = nil, publisher: ThresholdPublisher? = nil, startedAt: Date = Date(), version: String,
                work: EstimatorWork = EstimatorWork()) {
        self.config = config
        self.state = state
        self.store = store
        self.metrics = metrics
        self.alerts = alerts
        self.reloader = reloader
        self.publisher = publisher
        self.startedAt = startedAt
        self.version = version
        self.work = work
    }

    public init(daemon: Daemon, config: TwinwatchConfig, version: String) {
        self.init(config: config, state: daemon.state, store: daemon.store, metrics: daemon.metrics, alerts: daemon.alerts,
                  reloader: daemon.reloader, publisher: daemon.publisher, startedAt: daemon.startedAt, version: version, work: daemon.work)
    }

    /// The models the configuration names, or (an open list) those seen with a baseline.
    func modelNames() async -> [String] {
        if !config.models.isEmpty { return config.models.map(\.name) }
        return await state.calibration.keys.sorted()
    }

    /// What `/readyz` and `/api/v1/status` report.
    func readiness() async -> Readiness {
        var storeError: String?
        do { try await store.checkWritable() } catch { storeError = error.description }
        let calibration = await state.calibration
        var models: [String: CalibrationStatus?] = [:]
        for name in await modelNames() { models[name] = calibration[name] }
        var readiness = Readiness(assignedPartitions: await state.assignedPartitionCount, joined: await state.joined, storeError: storeError,
                                  models: models, modelsHeld: await state.modelsHeld, overrunning: work.overrunning)
        readiness.checkpoint = CheckpointCheck(metrics.checkpointHealth, interval: config.checkpoint.interval)
        readiness.brokers = BrokerCheck(metrics.brokerHealth)
        return readiness
    }
}

/// Why the daemon is or is not ready: in the consumer group (an assignment received), some broker
/// reachable (librdkafka statistics), the store takes writes,
/// checkpoints have not been failing past their bound, no estimator work is past its budget, and
/// every configured model has an active baseline whose null is calibrated for its window.
///
/// Per instance (DESIGN §10): one that the group gave no partitions, or none carrying a model's
/// keys, is a ready standby for them — under systemd a standby that never became ready would be
/// restarted, and every restart rebalances the group.
public struct Readiness: Sendable {
    public var assignedPartitions: Int
    /// The group has given this instance an assignment (possibly empty).
    public var joined: Bool
    /// Nil: writable.
    public var storeError: String?
    /// Per model: its aggregate window's calibration (nil: not evaluated yet).
    public var models: [String: CalibrationStatus?]
    /// Models this instance holds windows of (the others it is a standby for).
    public var modelsHeld: Set<String> = []
    /// Null calibrations and window evaluations running past their budget.
    public var overrunning: [EstimatorWork.Item] = []
    /// Whether checkpoints are written (a full disk can pass the store's small write and fail them).
    public var checkpoint = CheckpointCheck()
    /// Whether any broker is reachable (partitions stay assigned through an outage until the session times out).
    public var brokers = BrokerCheck()

    public var isReady: Bool {
        joined && storeError == nil && overrunning.isEmpty && checkpoint.ok && brokers.ok
            && models.allSatisfy { name, status in
                switch status {
                case .calibrated?, .aggregateNotScored?: return true
                default: return !modelsHeld.contains(name)
                }
            }
    }

    var json: [String: Any] {
        var modelChecks: [String: Any] = [:]
        for (name, status) in models {
            switch status {
            case .calibrated(let id, let window)?:
                modelChecks[name] = ["ok": true, "status": "calibrated", "baseline": id, "window": window]
            case .aggregateNotScored(let why)?:
                // Documented: the cohorts are scored here; the model-wide window is not (see CalibrationStatus).
                modelChecks[name] = ["ok": true, "status": "aggregate_not_scored", "reason": why]
            case let status?:
                var check: [String: Any] = ["ok": false, "status": status.name]
                if case .uncalibrated(let why) = status { check["reason"] = why }
                modelChecks[name] = check
            case nil:
                modelChecks[name] = ["ok": false, "status": "not_evaluated", "reason": "no window of the model evaluated yet (too few events, or waiting for the first evaluation)"]
            }
            if !modelsHeld.contains(name), !((modelChecks[name] as? [String: Any])?["ok"] as? Bool ?? false) {
                modelChecks[name] = ["ok": true, "status": "standby", "reason": "no partition of this instance carries the model's events now"]
            }
        }
        var store: [String: Any] = ["ok": storeError == nil]
        if let storeError { store["error"] = storeError }
        let now = ContinuousClock.now
        let overruns: [[String: Any]] = overrunning.map { item in
            ["work": item.kind.rawValue, "model": item.model, "cohort": item.cohort, "baseline": item.baselineID, "window": item.windowSize,
             "running_seconds": ((now - item.started) / .seconds(1)).rounded(), "budget_seconds": (item.budget / .seconds(1)).rounded()]
        }
        return ["ready": isReady, "checks": [
            "consumer": ["ok": joined, "assigned_partitions": assignedPartitions, "standby": joined && assignedPartitions == 0],
            "store": store,
            "checkpoint": checkpoint.json,
            "brokers": brokers.json,
            "models": modelChecks,
            "estimator_work": ["ok": overrunning.isEmpty, "past_budget": overruns],
        ]]
    }
}

import Alerting
import Hummingbird
import Logging
import Monitor
import StateStore

/// The daemon's HTTP server (Hummingbird), a `Service` in the daemon's group.
public enum HTTPServer {
    /// An application listening on `host:port` serving the operations endpoints, and the alerts
    /// and thresholds API when `alerts` (and the store) is given.
    public static func make(host: String, port: Int, metrics: DaemonMetrics, state: MonitorState,
                            alerts: (coordinator: AlertCoordinator, store: TwinwatchStore)? = nil, defaultThreshold: Double = 0.5,
                            logger: Logger,
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        if let alerts {
            AlertsController(alerts: alerts.coordinator, store: alerts.store).register(on: router)
            ThresholdsController(state: state, store: alerts.store, defaultThreshold: defaultThreshold).register(on: router)
        }
        OperationsController(metrics: metrics, readiness: {
            Readiness(assignedPartitions: await state.assignedPartitionCount, modelsWithBaseline: await state.modelsWithBaseline)
        }).register(on: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "twinwatch"),
            onServerRunning: { await onServerRunning($0.localAddress?.port ?? port) }, logger: logger)
    }
}

import Hummingbird
import Logging
import Monitor

/// The daemon's HTTP server (Hummingbird), a `Service` in the daemon's group.
public enum HTTPServer {
    /// An application listening on `host:port` serving the operations endpoints.
    public static func make(host: String, port: Int, metrics: DaemonMetrics, state: MonitorState, logger: Logger,
                            onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        OperationsController(metrics: metrics, readiness: {
            Readiness(assignedPartitions: await state.assignedPartitionCount, modelsWithBaseline: await state.modelsWithBaseline)
        }).register(on: router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "twinwatch"),
            onServerRunning: { await onServerRunning($0.localAddress?.port ?? port) }, logger: logger)
    }
}

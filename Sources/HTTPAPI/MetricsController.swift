import Hummingbird
import Monitor

/// `/metrics` (Prometheus text), `/healthz` (process alive), `/readyz` (consuming with partitions).
public struct OperationsController: Sendable {
    let metrics: DaemonMetrics
    let readiness: @Sendable () async -> Readiness

    public init(metrics: DaemonMetrics, readiness: @escaping @Sendable () async -> Readiness) {
        self.metrics = metrics
        self.readiness = readiness
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        router.get("/readyz") { _, _ in
            let ready = await readiness()
            return Response(status: ready.isReady ? .ok : .serviceUnavailable,
                            body: .init(byteBuffer: ByteBuffer(string: ready.description + "\n")))
        }
    }
}

/// Why the daemon is or is not ready to serve its purpose.
public struct Readiness: Sendable, CustomStringConvertible {
    public var assignedPartitions: Int
    public var modelsWithBaseline: Int

    public init(assignedPartitions: Int, modelsWithBaseline: Int) {
        self.assignedPartitions = assignedPartitions
        self.modelsWithBaseline = modelsWithBaseline
    }

    /// Consuming at least one partition. (A baseline is not required: it is captured from the stream.)
    public var isReady: Bool { assignedPartitions > 0 }

    public var description: String {
        "\(isReady ? "ready" : "not ready"): assigned_partitions=\(assignedPartitions) models_with_baseline=\(modelsWithBaseline)"
    }
}

import Alerting
import Hummingbird
import Logging

/// A local HTTP server that receives alert webhooks (POST /alerts), for the demo and tests.
public actor WebhookSink {
    public private(set) var received: [AlertNotification] = []
    private var portWaiters: [CheckedContinuation<Int, Never>] = []
    private var port: Int?
    private let onReceive: @Sendable (AlertNotification) -> Void
    /// Requests refused with 503 before the sink starts accepting (to exercise retries).
    private var refusalsLeft: Int
    /// Requests answered, refused ones included.
    public private(set) var requests = 0

    public init(refuseFirst: Int = 0, onReceive: @escaping @Sendable (AlertNotification) -> Void = { _ in }) {
        refusalsLeft = refuseFirst
        self.onReceive = onReceive
    }

    /// The Hummingbird application; run it (e.g. `runService()`) and then `await url()`.
    public nonisolated func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.post("/alerts") { request, context -> HTTPResponse.Status in
            let notification = try await request.decode(as: AlertNotification.self, context: context)
            return await self.record(notification) ? .accepted : .serviceUnavailable
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in await self.bound(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// `http://127.0.0.1:PORT/alerts`, once the server listens.
    public func url() async -> String {
        let port = await boundPort()
        return "http://127.0.0.1:\(port)/alerts"
    }

    private func boundPort() async -> Int {
        if let port { return port }
        return await withCheckedContinuation { portWaiters.append($0) }
    }

    private func bound(_ port: Int) {
        self.port = port
        portWaiters.forEach { $0.resume(returning: port) }
        portWaiters = []
    }

    private func record(_ notification: AlertNotification) -> Bool {
        requests += 1
        if refusalsLeft > 0 {
            refusalsLeft -= 1
            return false
        }
        received.append(notification)
        onReceive(notification)
        return true
    }
}

import Alerting
import Hummingbird
import Logging

/// A local HTTP server that receives alert webhooks (POST /alerts), for the demo and tests.
public actor WebhookSink {
    public private(set) var received: [AlertNotification] = []
    private var portWaiters: [CheckedContinuation<Int, Never>] = []
    private var port: Int?
    private let onReceive: @Sendable (AlertNotification) -> Void

    public init(onReceive: @escaping @Sendable (AlertNotification) -> Void = { _ in }) {
        self.onReceive = onReceive
    }

    /// The Hummingbird application; run it (e.g. `runService()`) and then `await url()`.
    public nonisolated func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.post("/alerts") { request, context -> HTTPResponse.Status in
            let notification = try await request.decode(as: AlertNotification.self, context: context)
            await self.record(notification)
            return .accepted
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

    private func record(_ notification: AlertNotification) {
        received.append(notification)
        onReceive(notification)
    }
}

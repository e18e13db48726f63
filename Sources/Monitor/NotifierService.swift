import Alerting
import Logging
import ServiceLifecycle

/// Delivers queued alert notifications. It is not cancelled by graceful shutdown: it drains the
/// queue until the evaluator finishes the stream, so no alert decided before shutdown is lost.
public struct NotifierService: Service {
    private let notifications: AsyncStream<AlertNotification>
    private let notifier: WebhookNotifier
    private let onDelivered: @Sendable (AlertNotification, Int) -> Void

    public init(notifications: AsyncStream<AlertNotification>, notifier: WebhookNotifier,
                onDelivered: @escaping @Sendable (AlertNotification, Int) -> Void = { _, _ in }) {
        self.notifications = notifications
        self.notifier = notifier
        self.onDelivered = onDelivered
    }

    public func run() async throws {
        for await notification in notifications {
            let accepted = await notifier.deliver(notification)
            onDelivered(notification, accepted)
        }
        // The stream ends when the evaluator stops, which can be just before the group tells this
        // service to stop; returning first would count as finishing unexpectedly.
        try? await gracefulShutdown()
    }
}

import Logging
import ServiceLifecycle
import StateStore
import TwinwatchCore

/// Runs alerting's clock and senders: a tick every second (stale alerts, `keep_firing_for`, group
/// waits and repeats) and one outbox sender per receiver. Stops promptly on graceful shutdown,
/// leaving undelivered messages in the outbox for the next start.
public struct AlertingService: Service {
    public let coordinator: AlertCoordinator
    private let senders: [OutboxSender]
    private let tick: Duration
    private let store: TwinwatchStore
    private let observer: AlertingObserver
    private let logger: Logger

    public init(coordinator: AlertCoordinator, settings: AlertingSettings, store: TwinwatchStore, logger: Logger,
                observer: AlertingObserver = AlertingObserver(), tick: Duration = .seconds(1)) {
        var senders: [OutboxSender] = []
        for receiver in settings.receivers {
            senders.append(OutboxSender(receiver: Receivers.make(receiver), store: store, delivery: settings.delivery, logger: logger,
                                        onOutcome: observer.delivery))
        }
        self.coordinator = coordinator
        self.senders = senders
        self.tick = tick
        self.store = store
        self.observer = observer
        self.logger = logger
    }

    public func run() async throws {
        if let counts = try? await store.outboxCounts() {
            let pending = counts.values.reduce(0) { $0 + ($1[.pending] ?? 0) }
            if pending > 0 { logger.info("resuming the notification outbox", metadata: ["pending": "\(pending)"]) }
        }
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                for sender in senders { group.addTask { await sender.run() } }
                group.addTask {
                    var lastPrune: Int64 = 0
                    while !Task.isCancelled {
                        try? await Task.sleep(for: tick)
                        guard !Task.isCancelled else { break }
                        let now = WallClock.nowMs()
                        await coordinator.tick(atMs: now)
                        if now - lastPrune >= 3_600_000 {
                            lastPrune = now
                            await prune(atMs: now)
                        }
                    }
                }
            }
        }
        logger.info("alerting stopped")
    }

    /// Delivered and dead messages (and their attempt log) are kept this long, then deleted.
    public static let outboxRetention: Duration = .seconds(7 * 86_400)

    private func prune(atMs now: Int64) async {
        do {
            try await store.pruneOutbox(finishedBeforeMs: now - Self.outboxRetention.milliseconds)
        } catch {
            logger.warning("cannot prune the notification outbox", metadata: ["error": "\(error)"])
        }
    }
}

import Alerting
import StateStore
import Foundation
import KafkaIO
import Logging
import Monitor
import ServiceLifecycle
import Synchronization
import TwinwatchCore

/// What a demo run observed.
public struct DemoOutcome: Sendable {
    public let alerts: [AlertNotification]
    public let evaluations: Int
    /// Firing alerts that arrived before any shifted event was produced (must be zero).
    public let alertsBeforeShift: Int
    public let eventsAccepted: Int
    public let seconds: Double
    /// The daemon's /metrics text at the end of the run.
    public let metrics: String

    /// The demo's promise: no alert before the shift, at least one after it when there is one.
    public func meetsExpectation(for scenario: DemoScenario) -> Bool {
        let firing = alerts.filter { $0.status == .firing }.count
        return alertsBeforeShift == 0 && (scenario.meanShift == 0 ? firing == 0 : firing >= 1)
    }
}

/// Runs the whole pipeline in-process: librdkafka mock cluster, seeded producer, the daemon's
/// services in one ServiceGroup, and a local webhook sink.
public struct DemoRunner: Sendable {
    public let scenario: DemoScenario
    private let logger: Logger
    private let output: @Sendable (String) -> Void

    public init(scenario: DemoScenario, logger: Logger, output: @escaping @Sendable (String) -> Void = { _ in }) {
        self.scenario = scenario
        self.logger = logger
        self.output = output
    }

    public func run() async throws -> DemoOutcome {
        let started = ContinuousClock.now
        let topic = "inference-events"
        let cluster = try MockKafkaCluster(brokers: 3)
        try cluster.createTopic(topic, partitions: scenario.partitions)
        output("mock Kafka cluster at \(cluster.bootstrapServers), topic \(topic) with \(scenario.partitions) partitions")

        let progress = DemoProgress()
        let output = self.output
        let shiftIndex = scenario.shiftIndex
        let sink = WebhookSink { alert in
            let beforeShift = progress.withLock { p in
                if alert.status == .firing && p.produced <= shiftIndex { p.alertsBeforeShift += 1 }
                return p.produced <= shiftIndex
            }
            output("\(Self.clock())  ALERT \(alert.status.rawValue.uppercased())  \(alert.summary) since=\(alert.startsAt)"
                + (beforeShift ? "  (before the shift!)" : ""))
        }
        // The sink stands for the receiving side, so it runs in a group of its own.
        let sinkGroup = ServiceGroup(configuration: .init(services: [sink.application(logger: logger)], logger: logger))
        let sinkTask = Task { try await sinkGroup.run() }
        let url = await sink.url()
        output("webhook sink listening on \(url)")

        let storePath = try TemporaryStore.path("demo")
        output("state database \(storePath)")
        let config = scenario.config(brokers: cluster.bootstrapServers, webhookURL: url, topic: topic, storePath: storePath)
        let daemon = try Daemon(config: config, logger: logger, onEvaluation: { e in
            let produced = progress.withLock { p in
                p.evaluations += 1
                return p.produced
            }
            let phase = produced <= shiftIndex ? "before shift" : "shift injected"
            output("\(Self.clock())  eval  \(e.model)/\(e.cohort) rows=\(e.windowRows) \(Self.describe(e)) produced=\(produced) (\(phase))")
        })
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        let driver = DemoDriver(scenario: scenario, topic: topic, producer: producer, state: daemon.state, progress: progress, output: output)
        let group = ServiceGroup(configuration: .init(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + [.init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await sinkGroup.triggerGracefulShutdown()
        try await sinkTask.value

        let alerts = await sink.received
        let accepted = await daemon.state.accepted
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let snapshot = progress.withLock { $0 }
        return DemoOutcome(alerts: alerts, evaluations: snapshot.evaluations, alertsBeforeShift: snapshot.alertsBeforeShift,
                           eventsAccepted: accepted, seconds: seconds, metrics: daemon.metrics.exposition())
    }

    /// `HH:MM:SS` (UTC, 24-hour), matching the RFC 3339 times in the alerts.
    static func clock() -> String {
        String(RFC3339.string(millis: Int64(Date().timeIntervalSince1970 * 1000)).dropFirst(11).prefix(8))
    }

    static func fixed(_ value: Double) -> String { String(format: "%.4f", value) }

    /// `p=0.4132 (level 0.002) max z=1.3 (sliced)`.
    static func describe(_ e: DriftEvaluation) -> String {
        let c = e.calibrated
        guard let top = c.z.max(by: { $0.value < $1.value }) else { return "p=\(fixed(c.combinedP)) (level \(e.threshold))" }
        return "p=\(fixed(c.combinedP)) (level \(e.threshold)) max z=\(String(format: "%.1f", top.value)) (\(top.key.rawValue))"
    }}

struct Progress: Sendable {
    var produced = 0
    var evaluations = 0
    var alertsBeforeShift = 0
}

/// Progress shared by the producer, the evaluation callback and the webhook sink.
final class DemoProgress: Sendable {
    private let state = Mutex(Progress())

    func withLock<R: Sendable>(_ body: (inout Progress) -> R) -> R {
        state.withLock { body(&$0) }
    }
}

import Alerting
import StateStore
import Foundation
import KafkaIO
import Logging
import Monitor
import Reports
import ServiceLifecycle
import Synchronization
import TwinwatchCore
import Verification

/// What a demo run observed.
public struct DemoOutcome: Sendable {
    /// Webhook messages the sink accepted (signature verified).
    public let messages: [WebhookMessage]
    /// Alert transitions decided by the daemon, in order.
    public let transitions: [AlertTransition]
    public let evaluations: Int
    /// Firing alerts decided before any shifted event was produced (must be zero).
    public let alertsBeforeShift: Int
    public let eventsAccepted: Int
    /// Requests the sink refused for a bad signature (must be zero).
    public let badSignatures: Int
    /// Notifications still in the outbox at the end (must be zero: drained).
    public let outboxPending: Int
    /// Threshold changes proposed (dry run) for the cohort whose impostor scores rose.
    public let thresholdProposals: Int
    public let seconds: Double
    /// The HTML report of the run.
    public let reportPath: String
    /// The daemon's /metrics text at the end of the run.
    public let metrics: String

    public func count(_ kind: AlertTransition.Kind, severity: AlertSeverity = .page) -> Int {
        transitions.filter { $0.kind == kind && $0.instance.severity == severity }.count
    }

    public var firingMessages: Int { messages.filter { $0.alerts.contains { $0.status == .firing } }.count }
    public var resolvedMessages: Int { messages.filter { $0.alerts.contains { $0.status == .resolved } }.count }

    /// The demo's promise: no alert before the shift; with a shift a page goes pending, fires, is
    /// delivered (signed), resolves once the stream recovers, and the outbox is drained.
    public func meetsExpectation(for scenario: DemoScenario) -> Bool {
        guard alertsBeforeShift == 0, badSignatures == 0, outboxPending == 0 else { return false }
        if scenario.meanShift == 0 { return count(.firing) == 0 && messages.isEmpty }
        return count(.pending) >= 1 && count(.firing) >= 1 && count(.resolved) >= 1 && firingMessages >= 1 && resolvedMessages >= 1
    }
}

/// Runs the whole pipeline in-process: librdkafka mock cluster, seeded producer, the daemon's
/// services in one ServiceGroup with the shipped alert rules, and a local webhook sink.
public struct DemoRunner: Sendable {
    public let scenario: DemoScenario
    private let rules: [AlertRule]
    private let logger: Logger
    private let output: @Sendable (String) -> Void

    /// `rules`: the shipped rule file's rules (durations are scaled by the scenario).
    public init(scenario: DemoScenario, rules: [AlertRule], logger: Logger, output: @escaping @Sendable (String) -> Void = { _ in }) {
        self.scenario = scenario
        self.rules = rules
        self.logger = logger
        self.output = output
    }

    public func run() async throws -> DemoOutcome {
        let started = ContinuousClock.now
        let topic = "inference-events"
        let cluster = try MockKafkaCluster(brokers: 3)
        try cluster.createTopic(topic, partitions: scenario.partitions)
        output("mock Kafka cluster at \(cluster.bootstrapServers), topic \(topic) with \(scenario.partitions) partitions")
        // Every Kafka client (the daemon's consumer and producer, the demo's producer) lives in
        // `stream` and is destroyed when it returns; the mock cluster only after that. Destroyed
        // the other way round, the clients reconnect to brokers that are gone and librdkafka
        // logs "Connection refused" and "3/3 brokers are down" at the end of a good run.
        let outcome = try await stream(through: cluster, topic: topic, started: started)
        withExtendedLifetime(cluster) {}
        return outcome
    }

    private func stream(through cluster: MockKafkaCluster, topic: String, started: ContinuousClock.Instant) async throws -> DemoOutcome {
        let progress = DemoProgress()
        let output = self.output
        let sink = WebhookSink(secret: DemoScenario.webhookSecret) { message in
            let lines = message.alerts.map { "      \($0.status.rawValue.uppercased()) \($0.labels["alertname"] ?? "?") \($0.summary ?? "")" }
            output("\(Self.clock())  WEBHOOK received [\(message.status.rawValue.uppercased()):\(message.alerts.count)] group \(message.groupKey), signature verified\n"
                + lines.joined(separator: "\n"))
        }
        // The sink stands for the receiving side, so it runs in a group of its own.
        let sinkGroup = ServiceGroup(configuration: .init(services: [sink.application(logger: logger)], logger: logger))
        let sinkTask = Task { try await sinkGroup.run() }
        let url = await sink.url()
        output("webhook sink listening on \(url) (Standard Webhooks signatures checked)")

        let storePath = try TemporaryStore.path("demo")
        output("state database \(storePath)")
        let config = scenario.config(brokers: cluster.bootstrapServers, webhookURL: url, topic: topic, storePath: storePath, rules: rules)
        output("\(config.alerting.rules.count) alert rules (rules/twinwatch-alerts.yaml, durations ÷ \(Int(scenario.timeScale)): "
            + config.alerting.rules.map { "\($0.name) for \(AnnotationTemplate.duration($0.forDuration))" }.joined(separator: ", ") + ")")
        let shiftIndex = scenario.shiftIndex
        let recorded = Mutex<[AlertTransition]>([])
        let observer = AlertingObserver(
            queued: { notifications in
                for n in notifications {
                    output("\(Self.clock())  notification queued in the outbox for \(n.receiver): [\(n.status.rawValue.uppercased()):\(n.alerts.count)] \(n.groupKey)")
                }
            },
            delivery: { receiver, outcome in output("\(Self.clock())  delivery to \(receiver): \(outcome.name)") },
            transitions: { transitions in
                let shown = transitions.filter { [.pending, .firing, .resolved, .cleared].contains($0.kind) }
                recorded.withLock { $0 += shown }
                let produced = progress.withLock { p in
                    if p.produced <= shiftIndex { p.alertsBeforeShift += shown.filter { $0.kind == .firing }.count }
                    return p.produced
                }
                for t in shown {
                    let a = t.instance
                    output("\(Self.clock())  ALERT \(t.kind.rawValue.uppercased())  \(a.rule) [\(a.severity.rawValue)] \(a.labels["model"] ?? "")/\(a.labels["cohort"] ?? "")"
                        + "  value=\(Self.fixed(a.value))" + (produced <= shiftIndex ? "  (before the shift!)" : ""))
                }
            })
        let daemon = try await Daemon(config: config, logger: logger, onEvaluation: { e in
            let produced = progress.withLock { p in
                p.evaluations += 1
                return p.produced
            }
            let phase = produced <= shiftIndex ? "before shift" : produced <= scenario.recoveryIndex ? "shift injected" : "recovered"
            output("\(Self.clock())  eval  \(e.model)/\(e.cohort) rows=\(e.windowRows) \(Self.describe(e)) produced=\(produced) (\(phase))")
        }, onVerification: { round in
            let produced = progress.withLock { $0.produced }
            let phase = produced <= shiftIndex ? "before shift" : produced <= scenario.recoveryIndex ? "shift injected" : "recovered"
            if let s = round.snapshots.first(where: { $0.cohort == scenario.shiftedCohort }), let far = s.counts.far, let ci = s.far {
                let due = progress.withLock { p in
                    defer { p.lastVerificationPhase = phase; p.verificationRounds += 1 }
                    return p.lastVerificationPhase != phase || p.verificationRounds % 5 == 0
                }
                if due {
                    output("\(Self.clock())  verify \(s.model)/\(s.cohort) FAR \(Self.percent(far)) [\(Self.percent(ci.lower)), \(Self.percent(ci.upper))] "
                        + "at threshold \(s.threshold.map { String(format: "%.4f", $0) } ?? "-") over \(s.counts.impostors) impostors, "
                        + "FRR \(s.counts.frr.map(Self.percent) ?? "-") (\(phase))")
                }
            }
            for decision in round.decisions {
                guard case .propose(let change) = decision else { continue }
                let e = change.evidence
                output("\(Self.clock())  THRESHOLD PROPOSED (dry run) \(change.model)/\(change.cohort) \(String(format: "%.4f", change.oldThreshold)) → "
                    + "\(String(format: "%.4f", change.newThreshold)) v\(change.version) by \(change.calibrator.name)"
                    + (change.limitedBy.isEmpty ? "" : " (limited by \(change.limitedBy.map(\.rawValue).joined(separator: ", ")))")
                    + ": FAR \(e.current.far.map(Self.percent) ?? "-") [\(e.currentFAR.map { Self.percent($0.lower) } ?? "-"), "
                    + "\(e.currentFAR.map { Self.percent($0.upper) } ?? "-")] on \(e.current.impostors) impostors → predicted "
                    + "\(e.predicted.far.map(Self.percent) ?? "-"), \(e.confirmations) disjoint windows in a row")
                progress.withLock { $0.proposals += 1 }
            }
        }, alertObserver: observer)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        let store = daemon.store, alerts = daemon.alerts
        let driver = DemoDriver(scenario: scenario, topic: topic, producer: producer, state: daemon.state, progress: progress, output: output,
                                settled: {
                                    // Alerts neither pending nor firing, no group owing a notification, and every
                                    // notification delivered or given up.
                                    let open = await alerts.alerts.filter { $0.state != .resolved }.count + alerts.groupsAwaitingFlush
                                    let queued = (try? await store.outboxCounts())?.values.reduce(0) { $0 + ($1[.pending] ?? 0) } ?? 0
                                    return open + queued
                                })
        let group = ServiceGroup(configuration: .init(
            services: daemon.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + [.init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await sinkGroup.triggerGracefulShutdown()
        try await sinkTask.value

        // The model owner's view of the run: the report, next to the state database.
        let reportPath = URL(fileURLWithPath: storePath).deletingLastPathComponent().appendingPathComponent("twinwatch-demo-report.html").path
        let report = try await ReportAssembler(store: daemon.store, config: config).report(model: scenario.model)
        try Data(HTMLReport.render(report).utf8).write(to: URL(fileURLWithPath: reportPath), options: .atomic)
        output("report of \(scenario.model) written to \(reportPath) (twinwatch report --model \(scenario.model) --db \(storePath))")

        let pending = (try await daemon.store.outboxCounts()).values.reduce(0) { $0 + ($1[.pending] ?? 0) }
        let accepted = await daemon.state.accepted
        let seconds = (ContinuousClock.now - started) / .seconds(1)
        let snapshot = progress.withLock { $0 }
        return DemoOutcome(messages: await sink.received, transitions: recorded.withLock { $0 }, evaluations: snapshot.evaluations,
                           alertsBeforeShift: snapshot.alertsBeforeShift, eventsAccepted: accepted, badSignatures: await sink.badSignatures,
                           outboxPending: pending, thresholdProposals: snapshot.proposals, seconds: seconds,
                           reportPath: reportPath, metrics: daemon.metrics.exposition())
    }

    /// `HH:MM:SS` (UTC, 24-hour), matching the RFC 3339 times in the alerts.
    static func clock() -> String {
        String(RFC3339.string(millis: Int64(Date().timeIntervalSince1970 * 1000)).dropFirst(11).prefix(8))
    }

    static func fixed(_ value: Double) -> String { String(format: "%.4f", value) }

    static func percent(_ value: Double) -> String { String(format: "%.1f %%", 100 * value) }

    /// `p=0.4132 max z=1.3 (sliced)`.
    static func describe(_ e: DriftEvaluation) -> String {
        let c = e.calibrated
        guard let top = c.z.max(by: { $0.value < $1.value }) else { return "p=\(fixed(c.combinedP))" }
        return "p=\(fixed(c.combinedP)) max z=\(String(format: "%.1f", top.value)) (\(top.key.rawValue))"
    }
}

struct Progress: Sendable {
    var produced = 0
    var evaluations = 0
    var alertsBeforeShift = 0
    var lastVerificationPhase = ""
    var verificationRounds = 0
    var proposals = 0
}

/// Progress shared by the producer, the evaluation callback and the webhook sink.
final class DemoProgress: Sendable {
    private let state = Mutex(Progress())

    func withLock<R: Sendable>(_ body: (inout Progress) -> R) -> R {
        state.withLock { body(&$0) }
    }
}

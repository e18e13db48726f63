import Alerting
import Foundation
import Logging
import StateStore
import Testing
import TwinwatchCore

/// The coordinator over a real SQLite store: what a restart sees.
@Suite("Alert coordinator: state and outbox in the store across restarts")
struct AlertCoordinatorTests {
    static var logger: Logger {
        var logger = Logger(label: "coordinator-test")
        logger.logLevel = .critical
        return logger
    }

    static let collapse = AlertRule(name: "EmbeddingCollapse", signal: .effectiveRank, condition: .ratioToBaselineBelow(0.5), severity: .page,
                                    annotations: ["summary": "rank {{value}} vs {{baseline}}"])

    static func settings() -> AlertingSettings {
        var settings = AlertingSettings(rules: [collapse], receivers: [ReceiverSettings(name: "hook", kind: .webhook, url: "http://127.0.0.1:9/x")])
        settings.grouping.groupWait = .zero
        settings.grouping.groupInterval = .seconds(60)
        return settings
    }

    static func rank(_ value: Double, baseline: Double?) -> SignalSample {
        SignalSample(signal: .effectiveRank, labels: ["model": "m", "cohort": "c"], value: value, baseline: baseline)
    }

    @Test("firing, restart, still firing: one notification; resolved after the restart: one resolve; a sample without a baseline is no data")
    func restartWhileFiring() async throws {
        let path = try TemporaryStore.path("coordinator")
        let store = try TwinwatchStore(path: path)
        let first = try await AlertCoordinator(settings: Self.settings(), defaultConsecutiveWindows: 3, store: store, logger: Self.logger)
        #expect(await first.observe([Self.rank(5, baseline: 40)], atMs: 1_000).map(\.kind) == [.firing])
        // A sample without a baseline has no ratio: neither breach nor recovery.
        #expect(await first.observe([Self.rank(5, baseline: nil)], atMs: 2_000).isEmpty)
        #expect(try await store.outboxMessages().count == 1)

        let restarted = try await AlertCoordinator(settings: Self.settings(), defaultConsecutiveWindows: 3, store: TwinwatchStore(path: path),
                                                   logger: Self.logger)
        let restored = try #require(await restarted.alerts.first)
        #expect(restored.state == .firing && restored.value == 0.125 && restored.firedAt == 1_000 && restored.lastSampleAt == 1_000)
        #expect(await restarted.observe([Self.rank(6, baseline: 40)], atMs: 3_000).map(\.kind) == [.updated])
        await restarted.tick(atMs: 200_000)
        #expect(try await store.outboxMessages().count == 1, "a restart must not page again")

        #expect(await restarted.observe([Self.rank(35, baseline: 40)], atMs: 210_000).map(\.kind) == [.resolved])
        let messages = try await store.outboxMessages()
        #expect(messages.count == 2)
        let resolve = try WebhookMessage.decode(try #require(messages.first).body)
        #expect(resolve.status == .resolved && resolve.alerts.first?.annotations["summary"] == "rank 6 vs 40")
    }

    @Test("transitions land in the evaluation history with the round (reports' alert markers); updates do not")
    func transitionsInHistory() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("coordinator-history"))
        let coordinator = try await AlertCoordinator(settings: Self.settings(), defaultConsecutiveWindows: 3, store: store, logger: Self.logger)
        await coordinator.observe([Self.rank(5, baseline: 40)], atMs: 1_000)
        await coordinator.observe([Self.rank(6, baseline: 40)], atMs: 2_000)
        await coordinator.observe([Self.rank(39, baseline: 40)], atMs: 3_000)
        let history = try await store.history(model: "m", kinds: [.alert])
        #expect(history.map(\.atMs) == [1_000, 3_000] && history.allSatisfy { $0.cohort == "c" })
        #expect(history.map { $0.json?["state"] as? String } == ["firing", "resolved"])
        #expect(history[0].json?["rule"] as? String == "EmbeddingCollapse" && history[0].json?["severity"] as? String == "page")
    }
}

import Alerting
import Testing
import TwinwatchCore

@Suite("Rule engine: inactive → pending → firing → resolved")
struct RuleEngineTests {
    static let labels = ["model": "m", "cohort": "c"]

    static func drift(p: Double, end: Int64, rows: Int = 100, labels: [String: String] = labels) -> SignalSample {
        SignalSample(signal: .driftCombined, labels: labels, value: p, pValue: p, window: WindowSpan(end: end, rows: rows))
    }

    static func rule(for seconds: Int64 = 600, keep: Int64 = 0, windows: Int? = 1, severity: AlertSeverity = .page,
                     name: String = "EmbeddingDrift", level: Double = 0.001) -> AlertRule {
        AlertRule(name: name, signal: .driftCombined, scope: ["model": "*"], condition: .pValueBelow(level), forDuration: .seconds(seconds),
                  keepFiringFor: .seconds(keep), consecutiveWindows: windows, severity: severity, labels: ["team": "ml"],
                  annotations: ["summary": "drift on {{model}}/{{cohort}}: p = {{p_value}} ≤ {{threshold}} for {{for}}"])
    }

    @Test("pending at the first breach, firing only once `for` has passed, with labels and rendered annotations")
    func pendingThenFiring() throws {
        var engine = RuleEngine(rules: [Self.rule()], defaultConsecutiveWindows: 3, staleAfter: .seconds(3600))
        #expect(engine.observe([Self.drift(p: 0.5, end: 100)], atMs: 0).isEmpty)
        let pending = engine.observe([Self.drift(p: 0.0005, end: 200)], atMs: 10_000)
        #expect(pending.map(\.kind) == [.pending])
        for t in stride(from: 20_000 as Int64, to: 610_000, by: 10_000) {
            #expect(engine.observe([Self.drift(p: 0.0005, end: 200 + t)], atMs: t).map(\.kind) == [.updated], "fired early at \(t)")
        }
        let fired = engine.observe([Self.drift(p: 0.0005, end: 700_000)], atMs: 610_000)
        #expect(fired.map(\.kind) == [.firing])
        let alert = try #require(fired.first?.instance)
        #expect(alert.activeSince == 10_000 && alert.firedAt == 610_000)
        #expect(alert.labels == ["model": "m", "cohort": "c", "team": "ml", "alertname": "EmbeddingDrift", "severity": "page"])
        #expect(alert.fingerprint == Fingerprint.of(rule: "EmbeddingDrift", labels: alert.labels))
        #expect(alert.annotations["summary"] == "drift on m/c: p = 0.0005 ≤ 0.001 for 10m")
    }

    @Test("a clean evaluation while pending clears the alert: the next breach starts a new `for`")
    func pendingClears() {
        var engine = RuleEngine(rules: [Self.rule(for: 60)], defaultConsecutiveWindows: 1, staleAfter: .seconds(3600))
        #expect(engine.observe([Self.drift(p: 0.0001, end: 100)], atMs: 0).map(\.kind) == [.pending])
        #expect(engine.observe([Self.drift(p: 0.3, end: 200)], atMs: 30_000).map(\.kind) == [.cleared])
        #expect(engine.observe([Self.drift(p: 0.0001, end: 300)], atMs: 50_000).map(\.kind) == [.pending])
        #expect(engine.observe([Self.drift(p: 0.0001, end: 400)], atMs: 70_000).map(\.kind) == [.updated])
        #expect(engine.observe([Self.drift(p: 0.0001, end: 500)], atMs: 110_000).map(\.kind) == [.firing])
    }

    @Test("drift rules also need consecutive disjoint windows: overlapping breaches do not count")
    func disjointWindows() {
        var engine = RuleEngine(rules: [Self.rule(for: 0, windows: nil)], defaultConsecutiveWindows: 3, staleAfter: .seconds(3600))
        // Windows of 100 rows ending 25 rows apart overlap: only every fourth is disjoint from the last counted.
        var kinds: [AlertTransition.Kind] = []
        for i in 0..<9 { kinds += engine.observe([Self.drift(p: 0.0001, end: 100 + Int64(i) * 25)], atMs: Int64(i) * 1000).map(\.kind) }
        #expect(kinds == [.pending] + Array(repeating: .updated, count: 7) + [.firing])
    }

    @Test("resolves once the condition stops holding, after keep_firing_for; resolved once; a new breach is a new alert")
    func keepFiringThenResolve() {
        var engine = RuleEngine(rules: [Self.rule(for: 0, keep: 120)], defaultConsecutiveWindows: 1, staleAfter: .seconds(3600))
        #expect(engine.observe([Self.drift(p: 0.0001, end: 100)], atMs: 0).map(\.kind) == [.firing])
        // Flapping within keep_firing_for neither resolves nor re-fires.
        #expect(engine.observe([Self.drift(p: 0.5, end: 200)], atMs: 60_000).map(\.kind) == [.updated])
        #expect(engine.observe([Self.drift(p: 0.0001, end: 300)], atMs: 90_000).map(\.kind) == [.updated])
        #expect(engine.observe([Self.drift(p: 0.5, end: 400)], atMs: 150_000).map(\.kind) == [.updated])
        #expect(engine.observe([Self.drift(p: 0.5, end: 500)], atMs: 210_000).map(\.kind) == [.resolved])
        #expect(engine.observe([Self.drift(p: 0.5, end: 600)], atMs: 220_000).isEmpty)
        #expect(engine.alerts.first?.resolvedAt == 210_000)
        let again = engine.observe([Self.drift(p: 0.0001, end: 700)], atMs: 230_000)
        #expect(again.map(\.kind) == [.firing] && again.first?.instance.activeSince == 230_000)
    }

    @Test("keep_firing_for also runs out on the clock alone; a firing alert without samples goes stale and resolves")
    func sweeps() {
        var engine = RuleEngine(rules: [Self.rule(for: 0, keep: 60)], defaultConsecutiveWindows: 1, staleAfter: .seconds(600),
                                resolvedRetention: .seconds(900))
        _ = engine.observe([Self.drift(p: 0.0001, end: 100)], atMs: 0)
        _ = engine.observe([Self.drift(p: 0.5, end: 200)], atMs: 10_000)
        // keep_firing_for counts from the last breach (at 0).
        #expect(engine.sweep(atMs: 59_000).isEmpty)
        #expect(engine.sweep(atMs: 60_000).map(\.kind) == [.resolved])
        #expect(engine.sweep(atMs: 60_000 + 899_000).isEmpty)
        #expect(engine.sweep(atMs: 60_000 + 900_000).map(\.kind) == [.forgotten])
        _ = engine.observe([Self.drift(p: 0.0001, end: 300, labels: ["model": "m", "cohort": "d"])], atMs: 1_000_000)
        #expect(engine.sweep(atMs: 1_599_000).isEmpty)
        let stale = engine.sweep(atMs: 1_600_000)
        #expect(stale.map(\.kind) == [.resolved] && stale[0].instance.annotations["resolution"] == "no data for 10m")
    }

    @Test("a restart restores the state: a firing alert neither fires again nor is forgotten, and resolves later")
    func restore() {
        var engine = RuleEngine(rules: [Self.rule(for: 0)], defaultConsecutiveWindows: 1, staleAfter: .seconds(3600))
        _ = engine.observe([Self.drift(p: 0.0001, end: 100)], atMs: 0)
        var restarted = RuleEngine(rules: [Self.rule(for: 0)], defaultConsecutiveWindows: 1, staleAfter: .seconds(3600), restoring: engine.alerts)
        #expect(restarted.observe([Self.drift(p: 0.0001, end: 200)], atMs: 10_000).map(\.kind) == [.updated])
        #expect(restarted.observe([Self.drift(p: 0.4, end: 300)], atMs: 20_000).map(\.kind) == [.resolved])
        // Alerts of a rule removed from the file resolve (firing) or clear (pending) when retired,
        // and are forgotten after the retention.
        var other = RuleEngine(rules: [Self.rule(name: "Other")], defaultConsecutiveWindows: 1, staleAfter: .seconds(3600), restoring: engine.alerts)
        let retired = other.retire(rulesNotIn: ["Other"], atMs: 30_000)
        #expect(retired.map(\.kind) == [.resolved])
        #expect(retired.first?.instance.annotations["resolution"] == "rule \(Self.rule(for: 0).name) removed from the rule file")
        #expect(other.retire(rulesNotIn: ["Other"], atMs: 31_000).isEmpty)
        #expect(other.sweep(atMs: 30_000 + 900_000).map(\.kind) == [.forgotten])
        #expect(other.alerts.isEmpty)
    }

    @Test("scope, conditions on baselines and intervals, and samples that lack what the condition compares")
    func conditions() {
        let rank = AlertRule(name: "Collapse", signal: .effectiveRank, scope: ["cohort": "eu"], condition: .ratioToBaselineBelow(0.5), severity: .page)
        let far = AlertRule(name: "FAR", signal: .far, condition: .ciLowerAbove(0.01), severity: .page)
        let shift = AlertRule(name: "Shift", signal: .meanScore, condition: .changeFromBaselineAbove(0.1), severity: .ticket)
        var engine = RuleEngine(rules: [rank, far, shift], defaultConsecutiveWindows: 3, staleAfter: .seconds(3600))
        let t = engine.observe([
            SignalSample(signal: .effectiveRank, labels: ["cohort": "eu"], value: 10, baseline: 30),
            SignalSample(signal: .effectiveRank, labels: ["cohort": "us"], value: 10, baseline: 30),
            SignalSample(signal: .effectiveRank, labels: ["cohort": "eu", "x": "1"], value: 10, baseline: nil),
            SignalSample(signal: .far, labels: ["cohort": "eu"], value: 0.02, interval: 0.012...0.03),
            SignalSample(signal: .far, labels: ["cohort": "us"], value: 0.02, interval: 0.008...0.05),
            SignalSample(signal: .meanScore, labels: ["cohort": "eu"], value: 0.55, baseline: 0.62),
            SignalSample(signal: .meanScore, labels: ["cohort": "us"], value: 0.60, baseline: 0.62),
        ], atMs: 0)
        #expect(t.map { "\($0.instance.rule)/\($0.instance.labels["cohort"]!)/\($0.kind)" }.sorted() == ["Collapse/eu/firing", "FAR/eu/firing", "Shift/eu/firing"])
        #expect(t.first { $0.instance.rule == "Shift" }.map { abs($0.instance.value - 0.1129) < 1e-3 } == true)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TwinwatchCore
@testable import Verification

@Suite("Adaptive threshold")
struct AdaptiveThresholdTests {
    // MARK: - Guard rails, one at a time, on hand-made windows

    /// 1 000 impostors at i / 2 000 (0 … 0.4995) and 200 genuine at 0.8: at t = 0.45 the FAR is 10 %;
    /// the 1 % target's threshold is 0.495 (the ten highest impostors).
    private func fill(_ window: inout LabelledWindow, atMs: Int64) {
        for i in 0..<1_000 { window.append(score: Double(i) / 2_000, genuine: false, atMs: atMs) }
        for _ in 0..<200 { window.append(score: 0.8, genuine: true, atMs: atMs) }
    }

    private func newWindow(threshold: Double = 0.45) -> LabelledWindow {
        LabelledWindow(settings: .init(maxCount: 1_200, maxAgeMs: .max), threshold: threshold)
    }

    private func adaptive(_ mode: AdaptiveMode = .apply, threshold: Double = 0.45, rails: ThresholdGuardRails? = nil,
                          calibrator: ThresholdCalibrator = .targetFAR(0.01)) -> AdaptiveThreshold {
        let rails = rails ?? ThresholdGuardRails(bounds: 0.2...0.9, maxStep: 0.02, confirmations: 1, coolDownMs: 60_000)
        return AdaptiveThreshold(model: "face", cohort: "c1", settings: .init(mode: mode, calibrator: calibrator, guardRails: rails),
                                 state: ThresholdState(threshold: threshold))
    }

    @Test("a significant miss moves the threshold by at most the max step, versioned, with its evidence")
    func appliesWithinMaxStep() throws {
        var a = adaptive()
        var w = newWindow()
        fill(&w, atMs: 0)
        guard case .apply(let change) = a.evaluate(window: w, atMs: 0) else { Issue.record("no change"); return }
        #expect(change.oldThreshold == 0.45)
        #expect(abs(change.newThreshold - 0.47) < 1e-12)
        #expect(change.limitedBy == [.maxStep])
        #expect(change.version == 1)
        #expect(change.evidence.calibrated?.threshold == 0.495)
        #expect(change.evidence.current == ConfusionCounts(tp: 200, fn: 0, fp: 100, tn: 900))
        #expect(change.evidence.predicted == w.labelledScores().confusion(at: change.newThreshold))
        let far = try #require(change.evidence.currentFAR)
        #expect(!far.contains(0.01) && far.contains(0.1))
        #expect(a.state == ThresholdState(threshold: change.newThreshold, version: 1, lastChangeMs: 0))
    }

    @Test("within the interval of the measured FAR, nothing moves")
    func withinInterval() {
        // 13 impostors of 1 000 at or above 0.4935: FAR 1.3 %, whose interval holds 1 %.
        var a = adaptive(threshold: 0.4935)
        var w = newWindow(threshold: 0.4935)
        fill(&w, atMs: 0)
        guard case .hold(let reasons) = a.evaluate(window: w, atMs: 0) else { Issue.record("moved"); return }
        #expect(reasons.count == 1)
        guard case .notSignificant(let test)? = reasons.first,
              case .targetOutsideInterval(.far, 0.01, let measured, let interval) = test.test else { Issue.record("\(reasons)"); return }
        #expect(abs(measured - 0.013) < 1e-12 && interval.contains(0.01))
    }

    @Test("too few impostors for the target: at FAR 0.1 % the rule of three asks for 3 000")
    func tooFewImpostors() {
        let rails = ThresholdGuardRails(minGenuine: 500, minImpostors: 300, confirmations: 1)
        #expect(rails.requiredImpostors(for: .targetFAR(0.001)) == 3_000)
        #expect(rails.requiredImpostors(for: .targetFAR(0.01)) == 300)
        #expect(rails.requiredImpostors(for: .targetFAR(0.5)) == 300)
        #expect(rails.requiredImpostors(for: .eer) == 300)
        var a = adaptive(rails: rails, calibrator: .targetFAR(0.001))
        var w = newWindow()
        fill(&w, atMs: 0)
        guard case .hold(let reasons) = a.evaluate(window: w, atMs: 0) else { Issue.record("moved"); return }
        #expect(reasons.contains(.tooFewImpostors(have: 1_000, need: 3_000)))
        #expect(reasons.contains(.tooFewGenuine(have: 200, need: 500)))
    }

    @Test("changes wait for the cool-down and for rows the last change did not see")
    func coolDown() {
        var a = adaptive()
        var w = newWindow()
        fill(&w, atMs: 0)
        guard case .apply(let first) = a.evaluate(window: w, atMs: 0) else { Issue.record("no change"); return }
        w.setThreshold(first.newThreshold)
        // Same rows, later: the cool-down and the shared rows both hold it.
        guard case .hold(let reasons) = a.evaluate(window: w, atMs: 59_999) else { Issue.record("moved"); return }
        #expect(reasons == [.coolDown(remainingMs: 1), .notSustained(significant: 0, need: 1)])
        // Fresh rows but still cooling down.
        fill(&w, atMs: 59_999)
        guard case .hold(let cooling) = a.evaluate(window: w, atMs: 59_999) else { Issue.record("moved"); return }
        #expect(cooling == [.coolDown(remainingMs: 1)])
        guard case .apply(let second) = a.evaluate(window: w, atMs: 60_000) else { Issue.record("no change"); return }
        #expect(abs(second.newThreshold - 0.49) < 1e-12 && second.version == 2)
    }

    @Test("bounds clamp the move; at the bound the threshold holds")
    func bounds() {
        let rails = ThresholdGuardRails(bounds: 0.2...0.48, maxStep: 0.02, confirmations: 1, coolDownMs: 0)
        var a = adaptive(threshold: 0.47, rails: rails)
        var w = newWindow(threshold: 0.47)
        fill(&w, atMs: 0)
        guard case .apply(let change) = a.evaluate(window: w, atMs: 0) else { Issue.record("no change"); return }
        #expect(change.newThreshold == 0.48 && change.limitedBy == [.bounds])
        fill(&w, atMs: 1)
        #expect(a.evaluate(window: w, atMs: 1) == .hold([.atBound(0.48)]))
        #expect(a.threshold == 0.48)
    }

    @Test("the kill switch and mode off stop everything; dry run proposes without changing")
    func killSwitchOffAndDryRun() {
        var w = newWindow()
        fill(&w, atMs: 0)
        var a = adaptive()
        a.killSwitch = true
        #expect(a.evaluate(window: w, atMs: 0) == .hold([.killSwitch]))
        a.killSwitch = false
        guard case .apply = a.evaluate(window: w, atMs: 0) else { Issue.record("released kill switch: no change"); return }

        var off = adaptive(.off)
        #expect(off.evaluate(window: w, atMs: 0) == .hold([.off]))
        #expect(off.state == ThresholdState(threshold: 0.45))

        var dry = adaptive(.dryRun)
        guard case .propose(let proposal) = dry.evaluate(window: w, atMs: 0) else { Issue.record("no proposal"); return }
        #expect(proposal.version == 1 && abs(proposal.newThreshold - 0.47) < 1e-12 && proposal.mode == .dryRun)
        #expect(dry.state == ThresholdState(threshold: 0.45))
        // Proposals keep the cool-down's pace; the threshold never moves.
        fill(&w, atMs: 10)
        guard case .hold(let reasons) = dry.evaluate(window: w, atMs: 10) else { Issue.record("proposed again"); return }
        #expect(reasons.contains(.coolDown(remainingMs: 59_990)))
        guard case .propose(let again) = dry.evaluate(window: w, atMs: 60_000) else { Issue.record("no proposal"); return }
        #expect(again.oldThreshold == 0.45 && again.version == 1)
    }

    @Test("restored from its persisted state, it keeps the threshold, the version and the cool-down")
    func restore() {
        var a = adaptive()
        var w = newWindow()
        fill(&w, atMs: 0)
        guard case .apply = a.evaluate(window: w, atMs: 1_000) else { Issue.record("no change"); return }
        let persisted = a.state
        var restored = AdaptiveThreshold(model: "face", cohort: "c1", settings: a.settings, state: persisted)
        #expect(restored.threshold == a.threshold && restored.state.version == 1)
        var fresh = newWindow(threshold: restored.threshold)
        fill(&fresh, atMs: 2_000)
        guard case .hold(let reasons) = restored.evaluate(window: fresh, atMs: 2_000) else { Issue.record("moved in cool-down"); return }
        #expect(reasons == [.coolDown(remainingMs: 59_000)])
        guard case .apply(let next) = restored.evaluate(window: fresh, atMs: 61_000) else { Issue.record("no change"); return }
        #expect(next.oldThreshold == persisted.threshold && next.version == 2)
    }

    @Test("confirmations count only windows that share no rows")
    func confirmations() {
        let rails = ThresholdGuardRails(bounds: 0.2...0.9, maxStep: 0.02, confirmations: 2, coolDownMs: 0)
        var a = adaptive(rails: rails)
        var w = newWindow()
        fill(&w, atMs: 0)
        #expect(a.evaluate(window: w, atMs: 0) == .hold([.notSustained(significant: 1, need: 2)]))
        w.append(score: 0.1, genuine: false, atMs: 1)  // overlaps the counted window
        #expect(a.evaluate(window: w, atMs: 1) == .hold([.notSustained(significant: 1, need: 2)]))
        fill(&w, atMs: 2)
        guard case .apply(let change) = a.evaluate(window: w, atMs: 2) else { Issue.record("no change"); return }
        #expect(change.evidence.confirmations == 2)
    }

    @Test("simple mode: error rate above 0.2 moves by 0.1 × (FP − FN) / n, within the max step")
    func simpleMode() {
        var a = adaptive(.simple, threshold: 0.3, rails: ThresholdGuardRails(bounds: 0...1, maxStep: 0.05, coolDownMs: 0))
        var w = newWindow(threshold: 0.3)
        fill(&w, atMs: 0)
        // FP = 400 impostors ≥ 0.3, FN = 0: error 400 / 1 200 > 0.2; move 0.1 × 400 / 1 200.
        guard case .apply(let change) = a.evaluate(window: w, atMs: 0) else { Issue.record("no change"); return }
        #expect(abs(change.newThreshold - (0.3 + 0.1 / 3)) < 1e-12 && change.evidence.calibrated == nil)
        // At 0.45: FP = 100, FN = 0, error 1 / 12: below the trigger.
        var calm = adaptive(.simple, threshold: 0.45)
        guard case .hold(let reasons) = calm.evaluate(window: w, atMs: 1) else { Issue.record("moved"); return }
        #expect(reasons == [.errorRateBelowTrigger(100.0 / 1_200)])
    }

    // MARK: - Simulated streams

    /// Normal quantile of 0.99: the 1 % FAR threshold of N(μ, σ) is μ + 2.326…·σ.
    private static let z99 = 2.3263478740408408
    private static let sigma = 0.1
    private static let impostorMeans = [0.28, 0.30, 0.32]
    private static let genuineMean = 0.75
    private static let cohorts = ["c1", "c2", "c3"]

    private struct StreamResult {
        var changes: [[ThresholdChange]]
        var thresholds: [Double]
    }

    /// One event every 100 ms to a random cohort, half impostors; each cohort's window (4 000 rows)
    /// is evaluated every 250 of its events; applied changes recount the window.
    private func stream(seed: UInt64, events: Int, shiftAt: Int = .max, shiftCohort: Int = 1, shift: Double = 0,
                        rails: ThresholdGuardRails) -> StreamResult {
        var rng = ScoreRNG(seed: seed)
        let settings = AdaptiveThreshold.Settings(mode: .apply, calibrator: .targetFAR(0.01), guardRails: rails)
        var windows: [LabelledWindow] = [], adaptives: [AdaptiveThreshold] = []
        for (c, name) in Self.cohorts.enumerated() {
            let t0 = Self.impostorMeans[c] + Self.z99 * Self.sigma
            windows.append(LabelledWindow(settings: .init(maxCount: 4_000, maxAgeMs: 86_400_000), threshold: t0))
            adaptives.append(AdaptiveThreshold(model: "face", cohort: name, settings: settings, state: ThresholdState(threshold: t0)))
        }
        var since = [0, 0, 0]
        var result = StreamResult(changes: [[], [], []], thresholds: [])
        for i in 0..<events {
            let at = Int64(i) * 100
            let c = Int(rng.next() % 3)
            let genuine = rng.next() % 2 == 0
            var mean = genuine ? Self.genuineMean : Self.impostorMeans[c]
            if !genuine, c == shiftCohort, i >= shiftAt { mean += shift }
            windows[c].append(score: mean + Self.sigma * rng.gaussian(), genuine: genuine, atMs: at)
            since[c] += 1
            guard since[c] == 250 else { continue }
            since[c] = 0
            switch adaptives[c].evaluate(window: windows[c], atMs: at) {
            case .apply(let change):
                windows[c].setThreshold(change.newThreshold)
                result.changes[c].append(change)
            case .propose: Issue.record("apply mode proposed")
            case .hold: break
            }
        }
        result.thresholds = adaptives.map(\.threshold)
        return result
    }

    private static let streamRails = ThresholdGuardRails(minGenuine: 100, minImpostors: 300, bounds: 0.4...0.8, maxStep: 0.02,
                                                         confirmations: 3, coolDownMs: 90 * 60_000)

    /// P(N(μ, σ) ≥ t).
    private static func upperTail(_ t: Double, mean: Double) -> Double { 0.5 * erfc((t - mean) / (sigma * 2.0.squareRoot())) }

    @Test("c2's impostors shift up by 0.05: its threshold follows in steps within the rails, the others stay")
    func shiftedCohortAdapts() {
        let rails = Self.streamRails
        let shiftAt = 30_000
        let r = stream(seed: 2_718, events: 270_000, shiftAt: shiftAt, shiftCohort: 1, shift: 0.05, rails: rails)
        #expect(r.changes[0].isEmpty && r.changes[2].isEmpty, "other cohorts changed: \(r.changes[0].count), \(r.changes[2].count)")
        let changes = r.changes[1]
        let t0 = Self.impostorMeans[1] + Self.z99 * Self.sigma
        #expect(changes.count >= 2, "c2 changes: \(changes.count)")
        for (k, change) in changes.enumerated() {
            #expect(change.newThreshold > change.oldThreshold, "change \(k) goes down")
            #expect(change.newThreshold - change.oldThreshold <= rails.maxStep + 1e-12)
            #expect(change.version == k + 1)
            #expect(change.atMs >= Int64(shiftAt) * 100)
            #expect(change.evidence.significance?.significant == true && change.evidence.confirmations >= 3)
            if k > 0 { #expect(change.atMs - changes[k - 1].atMs >= rails.coolDownMs) }
        }
        let final = r.thresholds[1]
        let finalFAR = Self.upperTail(final, mean: Self.impostorMeans[1] + 0.05)
        #expect(final > t0 + 0.025 && final < t0 + 0.075, "final threshold \(final), started at \(t0)")
        #expect(finalFAR > 0.005 && finalFAR < 0.015, "FAR at the final threshold: \(finalFAR)")
        #expect(r.thresholds[0] == Self.impostorMeans[0] + Self.z99 * Self.sigma)
    }

    @Test("no shift, 100 000 labelled events per cohort: no change at all", arguments: [101, 202, 303] as [UInt64])
    func noShiftNoChange(seed: UInt64) {
        let r = stream(seed: seed, events: 300_000, rails: Self.streamRails)
        for c in 0..<3 { #expect(r.changes[c].isEmpty, "seed \(seed) \(Self.cohorts[c]): \(r.changes[c].map(\.newThreshold))") }
    }
}

import Foundation
import Testing
import TwinwatchCore
import Verification

/// golden/small's `verification_baseline` / `verification_current` (scikit-learn, ref.py) per cohort
/// `all`, `c0`…`c4` at threshold 0.55: counts and thresholds exact, rates to 1e-12.
@Suite("Verification golden values")
struct GoldenVerificationTests {
    /// Every case of golden/small carries the same two labelled score streams (gen.py's
    /// `make_scores` depends on n, seed and window only), so each expected.json is checked against
    /// the baseline events and mean_shift's current events.
    static let cases = ["none_n2000_d32_s11", "mean_shift_0.05_n2000_d32_s11", "cov_scale_1.2_n2000_d32_s11",
                        "new_cluster_0.1_n2000_d32_s11", "dim_corrupt_0_n2000_d32_s11"]
    static let tolerance = 1e-12

    struct Expected: Decodable {
        let baseline: [String: Cohort]
        let current: [String: Cohort]
        enum CodingKeys: String, CodingKey { case baseline = "verification_baseline", current = "verification_current" }
    }

    struct Cohort: Decodable {
        let tp, fn, fp, tn, n, nGenuine: Int
        let far, frr, recall, precision, eerInterp, eerIndex, eerThreshold: Double
        let far001, far0001: Target
        enum CodingKeys: String, CodingKey {
            case tp, fn, fp, tn, n, nGenuine = "n_genuine", far, frr, recall, precision
            case eerInterp = "eer_interp", eerIndex = "eer_index", eerThreshold = "eer_threshold"
            case far001 = "thr_at_far_0.01", far0001 = "thr_at_far_0.001"
        }
    }

    struct Target: Decodable {
        let threshold, far, tpr: Double
    }

    static func expected(_ name: String) throws -> Expected {
        let url = try #require(Bundle.module.resourceURL?.appendingPathComponent("Fixtures/golden/small/\(name)/expected.json"))
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // Python writes the unreachable threshold as Infinity
        return try decoder.decode(Expected.self, from: Data(contentsOf: url))
    }

    static func summary(_ events: GoldenScoreEvents) -> VerificationSummary {
        VerificationSummary(scores: events.scores, genuine: events.genuine, groups: events.cohorts,
                            options: .init(threshold: 0.55, targetFARs: [0.01, 0.001]))
    }

    /// Largest |ours − reference| over every rate compared, for the report.
    final class MaxError: @unchecked Sendable {
        // @unchecked: one test owns it, from one task.
        var value = 0.0
        func check(_ ours: Double?, _ reference: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard let ours else {
                Issue.record("\(what): nil, reference \(reference)", sourceLocation: sourceLocation)
                return
            }
            value = max(value, abs(ours - reference))
            #expect(abs(ours - reference) <= GoldenVerificationTests.tolerance, "\(what): \(ours) vs \(reference)", sourceLocation: sourceLocation)
        }
    }

    @Test("every case: counts, EER and thresholds at FAR per cohort, both windows", arguments: cases)
    func golden(_ name: String) throws {
        let expected = try Self.expected(name)
        let error = MaxError()
        for (window, file, reference) in [("baseline", "small/baseline.events.bin", expected.baseline),
                                          ("current", "small/mean_shift_0.05_n2000_d32_s11/current.events.bin", expected.current)] {
            let events = try GoldenScoreEvents.load(file)
            let summary = Self.summary(events)
            #expect(summary.groups.map(\.name) == ["all", "c0", "c1", "c2", "c3", "c4"])
            #expect(Set(reference.keys) == Set(summary.groups.map(\.name)))
            for group in summary.groups {
                let ref = try #require(reference[group.name])
                let at = "\(name) \(window) \(group.name)"
                let c = group.counts
                let ours: [Int] = [c.tp, c.fn, c.fp, c.tn, c.total, c.genuine], theirs: [Int] = [ref.tp, ref.fn, ref.fp, ref.tn, ref.n, ref.nGenuine]
                #expect(ours == theirs, "\(at) counts")
                error.check(c.far, ref.far, "\(at) far")
                error.check(c.frr, ref.frr, "\(at) frr")
                error.check(c.recall, ref.recall, "\(at) recall")
                error.check(c.precision, ref.precision, "\(at) precision")
                let eer = try #require(group.eer, "\(at): no EER")
                error.check(eer.rate, ref.eerInterp, "\(at) eer_interp")
                error.check(eer.nearestRate, ref.eerIndex, "\(at) eer_index")
                #expect(eer.threshold == ref.eerThreshold, "\(at) eer_threshold \(eer.threshold) vs \(ref.eerThreshold)")
                for (target, refTarget) in zip(group.targets, [ref.far001, ref.far0001]) {
                    let result = try #require(target.result, "\(at) FAR \(target.targetFAR): undefined")
                    #expect(result.threshold == refTarget.threshold, "\(at) FAR \(target.targetFAR): \(result.threshold) vs \(refTarget.threshold)")
                    // sklearn's +∞ (accept nothing) is exactly "no observed score reaches the target".
                    #expect(result.reachable == refTarget.threshold.isFinite, "\(at) FAR \(target.targetFAR) reachable")
                    error.check(result.far, refTarget.far, "\(at) FAR \(target.targetFAR) far")
                    error.check(result.tpr, refTarget.tpr, "\(at) FAR \(target.targetFAR) tpr")
                }
            }
        }
        print("golden \(name): max |ours − sklearn| over rates = \(error.value)")
    }

    @Test("the calibrators agree with the golden EER and FAR thresholds")
    func calibrators() throws {
        let expected = try Self.expected("none_n2000_d32_s11")
        let events = try GoldenScoreEvents.load("small/baseline.events.bin")
        for cohort in ["all", "c0", "c1", "c2", "c3", "c4"] {
            let keep = events.cohorts.indices.filter { cohort == "all" || events.cohorts[$0] == cohort }
            let scores = LabelledScores(scores: keep.map { events.scores[$0] }, genuine: keep.map { events.genuine[$0] })
            let ref = try #require(expected.baseline[cohort])
            #expect(ThresholdCalibrator.eer.calibrate(scores)?.threshold == ref.eerThreshold, "\(cohort)")
            #expect(ThresholdCalibrator.targetFAR(0.01).calibrate(scores)?.threshold == ref.far001.threshold, "\(cohort)")
            #expect(ThresholdCalibrator.targetFAR(0.001).calibrate(scores)?.threshold == ref.far0001.threshold, "\(cohort)")
            #expect(scores.confusion(at: 0.55) == ConfusionCounts(tp: ref.tp, fn: ref.fn, fp: ref.fp, tn: ref.tn), "\(cohort)")
        }
    }

    @Test("the JSON of a cohort: DESIGN §9 keys; the unreachable target is null with reachable false")
    func json() throws {
        let events = try GoldenScoreEvents.load("small/mean_shift_0.05_n2000_d32_s11/current.events.bin")
        let summary = Self.summary(events)
        let c4 = try #require(summary.group("c4"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(c4)) as? [String: Any])
        #expect(Set(object.keys) == ["n", "tp", "fn", "fp", "tn", "far", "far_ci", "frr", "frr_ci", "recall", "precision",
                                     "eer", "eer_threshold", "thresholds"])
        let targets = try #require(object["thresholds"] as? [[String: Any]])
        #expect(targets.count == 2)
        #expect(targets[1]["target_far"] as? Double == 0.001)
        #expect(targets[1]["threshold"] is NSNull)
        #expect(targets[1]["reachable"] as? Bool == false)
        #expect(targets[1]["far"] as? Double == 0 && targets[1]["tpr"] as? Double == 0)
        #expect(targets[0]["reachable"] as? Bool == true)
        let ci = try #require(object["far_ci"] as? [Double])
        #expect(ci.count == 2 && ci[0] <= (object["far"] as? Double ?? -1) && (object["far"] as? Double ?? 2) <= ci[1])
    }
}

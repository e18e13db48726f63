import Foundation
import Testing
import TwinwatchCore
@testable import Verification

/// Brute force over every candidate threshold (+∞ and each observed score), counting from scratch
/// at each: the definitions of DESIGN §6 with nothing shared with the implementation.
enum NaiveCalibration {
    static func counts(_ scores: [Double], _ genuine: [Bool], _ t: Double) -> ConfusionCounts {
        var c = ConfusionCounts()
        for (s, g) in zip(scores, genuine) {
            if s >= t { if g { c.tp += 1 } else { c.fp += 1 } } else { if g { c.fn += 1 } else { c.tn += 1 } }
        }
        return c
    }

    /// Candidates, highest first.
    static func candidates(_ scores: [Double]) -> [Double] { [.infinity] + Set(scores).sorted(by: >) }

    /// Every candidate with its counts, counted from scratch: O(n²), shared by the calibrators.
    static func table(_ scores: [Double], _ genuine: [Bool]) -> [(Double, ConfusionCounts)] {
        candidates(scores).map { ($0, counts(scores, genuine, $0)) }
    }

    /// (threshold, reachable) or nil when undefined.
    static func threshold(_ calibrator: ThresholdCalibrator, _ scores: [Double], _ genuine: [Bool],
                          table all: [(Double, ConfusionCounts)]) -> (Double, Bool)? {
        let positives = genuine.filter { $0 }.count, negatives = genuine.count - positives
        switch calibrator {
        case .targetFAR(let target):
            guard negatives > 0 else { return nil }
            let ok = all.filter { Double($0.1.fp) / Double(negatives) <= target }
            let t = ok.map(\.0).min()!
            return (t, t.isFinite)
        case .targetPrecision(let target):
            guard !scores.isEmpty else { return nil }
            let ok = all.filter { $0.0.isFinite && Double($0.1.tp) / Double($0.1.tp + $0.1.fp) >= target }
            guard let t = ok.map(\.0).min() else { return (.infinity, false) }
            return (t, true)
        case .eer:
            guard positives > 0, negatives > 0 else { return nil }
            // First (highest) candidate minimising |FNR − FPR|.
            let gaps = all.map { abs((1 - Double($0.1.tp) / Double(positives)) - Double($0.1.fp) / Double(negatives)) }
            return (all[gaps.firstIndex(of: gaps.min()!)!].0, true)
        case .f1:
            guard positives > 0 else { return nil }
            let f1 = all.map { 2 * Double($0.1.tp) / Double(2 * $0.1.tp + $0.1.fp + $0.1.fn) }
            return (all[f1.firstIndex(of: f1.max()!)!].0, true)
        case let .cost(fa, fr):
            guard !scores.isEmpty else { return nil }
            let costs = all.map { fa * Double($0.1.fp) + fr * Double($0.1.fn) }
            return (all[costs.firstIndex(of: costs.min()!)!].0, true)
        }
    }
}

@Suite("Threshold calibrators and ROC")
struct CalibratorTests {
    static let calibrators: [ThresholdCalibrator] = [
        .targetFAR(0.01), .targetFAR(0.1), .targetFAR(0), .targetFAR(1), .targetPrecision(0.9), .targetPrecision(0.995),
        .targetPrecision(0), .eer, .f1, .cost(falseAccept: 10, falseReject: 1), .cost(falseAccept: 1, falseReject: 1),
        .cost(falseAccept: 0, falseReject: 1),
    ]

    @Test("every calibrator equals brute force over all candidate thresholds (random data, many ties)",
          arguments: [(1, 3), (7, 2), (60, 2), (400, 3), (1500, 2), (1500, nil as Int?)])
    func naive(n: Int, decimals: Int?) {
        var rng = ScoreRNG(seed: UInt64(n) &* 31 &+ UInt64(decimals ?? 9))
        for round in 0..<4 {
            let (scores, genuine) = rng.labelledScores(n, genuineShare: [0.35, 0.05, 0.9, 0.5][round], decimals: decimals)
            let sorted = LabelledScores(scores: scores, genuine: genuine)
            let table = NaiveCalibration.table(scores, genuine)
            for calibrator in Self.calibrators {
                let ours = calibrator.calibrate(sorted)
                let naive = NaiveCalibration.threshold(calibrator, scores, genuine, table: table)
                #expect(ours.map { [$0.threshold, $0.reachable ? 1 : 0] } == naive.map { [$0.0, $0.1 ? 1 : 0] }, "\(calibrator) n=\(n) round \(round)")
                if let ours {
                    #expect(ours.counts == table.first { $0.0 == ours.threshold }?.1, "\(calibrator) counts")
                }
            }
        }
    }

    @Test("ROC, EER and thresholds at FAR equal scikit-learn's (roc_curve, drop_intermediate=False) on random data with ties",
          .enabled(if: ReferencePython.available, "needs .venv-ref (scripts/reference-venv.sh) or python3 with scikit-learn"),
          arguments: [(50, 1), (3000, 2), (20_000, 3)])
    func sklearn(n: Int, decimals: Int) throws {
        var rng = ScoreRNG(seed: UInt64(n))
        let (scores, genuine) = rng.labelledScores(n, decimals: decimals)
        struct Input: Encodable { let scores: [Double]; let labels: [Int] }
        struct Output: Decodable { let thresholds, fpr, tpr: [Double]; let eer_interp, eer_index, eer_threshold: Double; let far: [[Double]] }
        // ref.py's definitions, verbatim.
        let script = """
            import json, sys
            import numpy as np
            from sklearn.metrics import roc_curve
            d = json.load(sys.stdin)
            s, y = np.asarray(d["scores"], dtype=np.float64), np.asarray(d["labels"])
            fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
            fnr = 1.0 - tpr
            diff = fnr - fpr
            i = int(np.argmax(diff <= 0))
            d0, d1 = diff[i - 1], diff[i]
            w = d0 / (d0 - d1)
            e = float(fpr[i - 1] + w * (fpr[i] - fpr[i - 1]))
            j = int(np.argmin(np.abs(diff)))
            far = []
            for t in (0.0, 0.001, 0.01, 0.1, 0.5):
                k = int(np.nonzero(fpr <= t)[0][-1])
                far.append([float(thr[k]), float(fpr[k]), float(tpr[k])])
            print(json.dumps({"thresholds": thr.tolist(), "fpr": fpr.tolist(), "tpr": tpr.tolist(), "eer_interp": e,
                              "eer_index": float((fpr[j] + fnr[j]) / 2), "eer_threshold": float(thr[j]), "far": far}))
            """
        let ref = try ReferencePython.json(Output.self, script: script, input: Input(scores: scores, labels: genuine.map { $0 ? 1 : 0 }))
        let curve = ROCCurve(LabelledScores(scores: scores, genuine: genuine))
        #expect(curve.thresholds == ref.thresholds)
        #expect((0..<curve.count).map { curve.falsePositiveRate(at: $0)! } == ref.fpr)
        #expect((0..<curve.count).map { curve.truePositiveRate(at: $0)! } == ref.tpr)
        let eer = try #require(curve.equalErrorRate)
        #expect(eer.rate == ref.eer_interp && eer.nearestRate == ref.eer_index && eer.threshold == ref.eer_threshold)
        for (target, expected) in zip([0.0, 0.001, 0.01, 0.1, 0.5], ref.far) {
            let r = try #require(ThresholdCalibrator.targetFAR(target).calibrate(curve))
            #expect([r.threshold, r.far!, r.tpr!] == expected, "target \(target)")
        }
    }

    @Test("counts at any threshold: ROC binary search, LabelledScores and a streaming tally agree with a plain count")
    func countsAtThreshold() {
        var rng = ScoreRNG(seed: 5)
        let (scores, genuine) = rng.labelledScores(800, decimals: 2)
        let sorted = LabelledScores(scores: scores, genuine: genuine)
        let curve = ROCCurve(sorted)
        for t in [-Double.infinity, -1, 0.3, 0.45, 0.455, 0.5, 0.7, 0.99, 2, .infinity, .nan] + scores.prefix(20) {
            let naive = NaiveCalibration.counts(scores, genuine, t)
            #expect(curve.counts(atThreshold: t) == naive, "t = \(t)")
            #expect(sorted.confusion(at: t) == naive, "t = \(t)")
            var tally = ConfusionCounts()
            for (s, g) in zip(scores, genuine) { tally.record(score: s, genuine: g, threshold: t) }
            #expect(tally == naive, "t = \(t)")
        }
    }

    @Test("the radix sort (packed: float32 scores; pairs: full doubles) orders like a comparison sort; grouped partitions match per-group sorts",
          arguments: [(40_000, false), (40_000, true), (5_000, true), (4_095, false)])
    func sortingAndGroups(n: Int, float32: Bool) {
        var rng = ScoreRNG(seed: 17)
        var (scores, genuine) = rng.labelledScores(n, decimals: nil)
        if float32 { scores = scores.map { Double(Float($0)) } }
        scores[3] = -0.0
        scores[4] = 0.0
        scores[5] = float32 ? -1e-30 : -1e-300
        scores[6] = float32 ? Double(Float.leastNonzeroMagnitude) : 5e-324
        scores[7] = float32 ? -Double(Float.greatestFiniteMagnitude) : -Double.greatestFiniteMagnitude
        let groups = (0..<n).map { $0 % 7 == 0 ? 2 : $0 % 3 }
        let (all, parts) = LabelledScores.grouped(scores: scores, genuine: genuine, groups: groups, groupCount: 4)
        #expect(all.scores == scores.map { $0 + 0 }.sorted(by: >))
        #expect(all.positives == genuine.filter { $0 }.count)
        // Labels travel with their scores: the multiset of (score, label) pairs is unchanged.
        #expect(zip(all.scores, all.genuine).map { "\($0)/\($1)" }.sorted() == zip(scores.map { $0 + 0 }, genuine).map { "\($0)/\($1)" }.sorted())
        for g in 0..<4 {
            let members = (0..<n).filter { groups[$0] == g }
            let alone = LabelledScores(scores: members.map { scores[$0] }, genuine: members.map { genuine[$0] })
            #expect(parts[g].scores == alone.scores && parts[g].positives == alone.positives, "group \(g)")
            #expect(ROCCurve(parts[g]) == ROCCurve(alone), "group \(g)")
        }
        #expect(parts[3].isEmpty)
    }

    @Test("all genuine / all impostors: the undefined is nil, the defined still calibrates")
    func oneClass() throws {
        let scores = [0.9, 0.8, 0.8, 0.4]
        let genuineOnly = LabelledScores(scores: scores, genuine: [true, true, true, true])
        #expect(ThresholdCalibrator.targetFAR(0.01).calibrate(genuineOnly) == nil)  // FAR undefined
        #expect(ThresholdCalibrator.eer.calibrate(genuineOnly) == nil)
        #expect(ROCCurve(genuineOnly).equalErrorRate == nil)
        #expect(ThresholdCalibrator.f1.calibrate(genuineOnly)?.threshold == 0.4)  // accept all: F1 = 1
        #expect(ThresholdCalibrator.targetPrecision(1).calibrate(genuineOnly)?.threshold == 0.4)
        #expect(ThresholdCalibrator.cost(falseAccept: 1, falseReject: 1).calibrate(genuineOnly)?.threshold == 0.4)
        let counts = genuineOnly.confusion(at: 0.85)
        #expect(counts == ConfusionCounts(tp: 1, fn: 3, fp: 0, tn: 0))
        #expect(counts.far == nil && counts.frr == 0.75 && counts.precision == 1)
        #expect(RateInterval(successes: counts.fp, trials: counts.impostors) == nil)

        let impostorsOnly = LabelledScores(scores: scores, genuine: [false, false, false, false])
        #expect(ThresholdCalibrator.f1.calibrate(impostorsOnly) == nil)
        #expect(ThresholdCalibrator.eer.calibrate(impostorsOnly) == nil)
        let far = try #require(ThresholdCalibrator.targetFAR(0.3).calibrate(impostorsOnly))
        #expect(far.threshold == 0.9 && far.reachable && far.far == 0.25 && far.tpr == nil)
        // No impostor pair may be accepted at precision ≥ 0.5: only accepting nothing.
        let precision = try #require(ThresholdCalibrator.targetPrecision(0.5).calibrate(impostorsOnly))
        #expect(precision.threshold == .infinity && !precision.reachable && precision.acceptsNothing && precision.precision == nil)
        #expect(ThresholdCalibrator.cost(falseAccept: 1, falseReject: 1).calibrate(impostorsOnly)?.threshold == .infinity)
    }

    @Test("every score tied: two ROC points, EER 0.5 by interpolation, its nearest point is accept-nothing")
    func allTied() throws {
        let scores = LabelledScores(scores: [0.5, 0.5, 0.5, 0.5], genuine: [true, false, true, false])
        let curve = ROCCurve(scores)
        #expect(curve.thresholds == [.infinity, 0.5] && curve.truePositives == [0, 2] && curve.falsePositives == [0, 2])
        let eer = try #require(curve.equalErrorRate)
        #expect(eer.rate == 0.5 && eer.nearestRate == 0.5 && eer.threshold == .infinity)
        let far = try #require(ThresholdCalibrator.targetFAR(0.1).calibrate(scores))
        #expect(far.threshold == .infinity && !far.reachable && far.far == 0 && far.tpr == 0)
    }

    @Test("NaN and ±∞ scores are left out and counted; −0 and +0 are one threshold; empty input calibrates to nil")
    func nonFinite() {
        let scores = LabelledScores(scores: [0.7, .nan, 0.2, .infinity, -0.0, 0.0, -.infinity],
                                    genuine: [true, true, false, false, true, false, true])
        #expect(scores.count == 4 && scores.excluded == 3 && scores.positives == 2)
        #expect(scores.scores == [0.7, 0.2, 0, 0] && scores.scores.allSatisfy { $0.sign == .plus })
        #expect(ROCCurve(scores).thresholds == [.infinity, 0.7, 0.2, 0])
        var tally = ConfusionCounts()
        let counted = [tally.record(score: .nan, genuine: true, threshold: 0.5),
                       tally.record(score: .infinity, genuine: true, threshold: 0.5),
                       tally.record(score: 0.6, genuine: true, threshold: 0.5)]
        #expect(counted == [false, false, true] && tally == ConfusionCounts(tp: 1))

        let empty = LabelledScores(scores: [.nan], genuine: [true])
        #expect(empty.isEmpty && empty.excluded == 1)
        for calibrator in Self.calibrators { #expect(calibrator.calibrate(empty) == nil, "\(calibrator)") }
        #expect(ROCCurve(empty).count == 1)
    }

    @Test("invalid calibrator parameters calibrate to nil")
    func invalidParameters() {
        let scores = LabelledScores(scores: [0.1, 0.9], genuine: [false, true])
        for calibrator: ThresholdCalibrator in [.targetFAR(-0.1), .targetFAR(.nan), .targetPrecision(1.5),
                                                .cost(falseAccept: -1, falseReject: 1), .cost(falseAccept: .infinity, falseReject: 1)] {
            #expect(!calibrator.isValid && calibrator.calibrate(scores) == nil, "\(calibrator)")
        }
    }

    @Test("confusion counts merge, subtract and give nil rates without denominators")
    func confusionCounts() {
        let a = ConfusionCounts(tp: 3, fn: 1, fp: 2, tn: 10), b = ConfusionCounts(tp: 1, fn: 0, fp: 0, tn: 5)
        var sum = a
        sum += b
        #expect(sum == a + b && sum == ConfusionCounts(tp: 4, fn: 1, fp: 2, tn: 15) && sum - b == a)
        #expect(sum.far == 2.0 / 17 && sum.frr == 1.0 / 5 && sum.recall == 4.0 / 5 && sum.precision == 4.0 / 6)
        #expect(sum.f1 == 8.0 / 11 && sum.cost(falseAccept: 10, falseReject: 1) == 21)
        let zero = ConfusionCounts()
        #expect(zero.far == nil && zero.frr == nil && zero.recall == nil && zero.precision == nil && zero.f1 == nil)
    }
}

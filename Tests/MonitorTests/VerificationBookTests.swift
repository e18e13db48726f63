import Alerting
import Foundation
import Logging
import Monitor
import Testing
import TwinwatchCore
import Verification

@Suite("Verification in the daemon's state: joins, refusals, retrieval recall")
struct VerificationBookTests {
    static func state(_ configure: (inout TwinwatchConfig) -> Void = { _ in }) -> MonitorState {
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: ["b"], feedbackTopic: "feedback"))
        config.verification.threshold = 0.5
        config.verification.adaptive.mode = .off
        configure(&config)
        return MonitorState(config: config, logger: Logger(label: "t"))
    }

    @Test("labels join late to scored events; orphans, duplicates, bad labels and out-of-range scores are counted, not counted as labelled")
    func joinsAndRefusals() async throws {
        let state = Self.state()
        let events = [InferenceEvent(eventID: "a", timestampMs: 0, model: "m", cohort: "c", score: 0.8),
                      InferenceEvent(eventID: "b", timestampMs: 0, model: "m", cohort: "c", score: 0.3),
                      InferenceEvent(eventID: "x", timestampMs: 0, model: "m", cohort: "c", score: 1.7, label: 0)]
        _ = await state.ingest(events, sources: [nil, nil, nil])
        await state.ingest(feedback: [.label(eventID: "a", label: 1, timestampMs: 0), .label(eventID: "b", label: 1, timestampMs: 0),
                                      .label(eventID: "a", label: 0, timestampMs: 0), .label(eventID: "zz", label: 1, timestampMs: 0),
                                      .scored(model: "m", cohort: "c", score: 0.9, label: 0, timestampMs: 0)])
        #expect(await state.labelledEvents == 3)
        // The orphan is counted once its wait for a late event ends (60 s).
        let round = await state.verificationRound(atMs: WallClock.nowMs() + 120_000)
        let c = try #require(round.snapshots.first { $0.cohort == "c" })
        #expect(c.counts == ConfusionCounts(tp: 1, fn: 1, fp: 1, tn: 0), "a accepted, b rejected, the scored impostor accepted")
        #expect(round.unmatched[.duplicate] == 1 && round.unmatched[.orphan] == 1)
        #expect(round.refusedScores == 1)
        // FAR 1 of 1: the Wilson interval of 1/1 is [0.2065, 1].
        let far = try #require(c.far)
        #expect(abs(far.lower - 0.20654931437723745) < 1e-9 && far.upper == 1, "\(far)")
        #expect(round.snapshots.contains { $0.cohort == "all" && $0.counts == c.counts && $0.eer == nil })
        // Genuine 0.8, 0.3 and impostor 0.9: the EER interpolates to 1/2 (golden convention tested in VerificationTests).
        #expect(c.eer?.rate == ROCCurve(LabelledScores(scores: [0.8, 0.3, 0.9], genuine: [true, true, false])).equalErrorRate?.rate)
        #expect(c.eer != nil)
    }

    @Test("without a feedback topic scored events are not held for labels that cannot come; inline labels still count")
    func noFeedbackTopic() async {
        let state = Self.state { $0.kafka.feedbackTopic = nil }
        _ = await state.ingest([InferenceEvent(eventID: "a", timestampMs: 0, model: "m", cohort: "c", score: 0.8),
                                InferenceEvent(eventID: "b", timestampMs: 0, model: "m", cohort: "c", score: 0.8, label: 1)], sources: [nil, nil])
        await state.ingest(feedback: [.label(eventID: "a", label: 1, timestampMs: 0)])
        #expect(await state.labelledEvents == 1)
    }

    @Test("retrieval feedback gives Recall@1/5/10 per cohort; feedback for unknown events is an orphan")
    func retrievalRecall() async throws {
        let state = Self.state()
        let events = (0..<10).map { InferenceEvent(eventID: "q\($0)", timestampMs: 0, model: "m", cohort: "r", score: 0.6) }
        _ = await state.ingest(events, sources: Array(repeating: nil, count: 10))
        let ranks = [1, 1, 2, 3, 5, 6, 10, 11, 0, 1]
        await state.ingest(feedback: ranks.enumerated().map { .retrieval(eventID: "q\($0.offset)", relevantRank: $0.element, timestampMs: 0) }
                           + [.retrieval(eventID: "nope", relevantRank: 1, timestampMs: 0)])
        let round = await state.verificationRound(atMs: WallClock.nowMs())
        let r = try #require(round.retrieval.first { $0.cohort == "r" })
        #expect(r.queries == 10)
        #expect(r.recall.map(\.k) == [1, 5, 10] && r.recall.map(\.value) == [0.3, 0.6, 0.8])
        #expect(r.recall.allSatisfy { point in point.interval.map { $0.contains(point.value) } == true })
        #expect(round.retrievalOrphans == 1)
    }
}

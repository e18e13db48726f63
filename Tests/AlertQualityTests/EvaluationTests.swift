import AlertQuality
import DriftEstimators
import Foundation
import Monitor
import Testing
import TwinwatchCore

/// `twinwatch eval` at small scale: the batch grid and a simulated stream through the daemon's
/// own state, evaluator and drift rule.
@Suite struct EvaluationTests {
    @Test func batchRowsCountAlarmsPerScenario() throws {
        var eval = BatchEvaluation(configuration: DriftSettings().estimatorConfiguration)
        eval.scenarios = [(.none, nil), (.meanShift, 0.3), (.heavyTail, 0.01)]
        (eval.windows, eval.baselineRatios, eval.dimensions, eval.trials, eval.resamples, eval.level) = ([200], [4], [8], 100, 99, 0.01)
        let rows = try eval.run()
        #expect(rows.count == 6 && Set(rows.map(\.mode)) == ["calibrated", "fixed"])
        let calibrated = Dictionary(uniqueKeysWithValues: rows.filter { $0.mode == "calibrated" }.map { ($0.scenario, $0) })
        // No drift: about 1 %. With one baseline and B = 99 the rate scatters around the level by
        // the null's Monte Carlo error (the largest of 99 null scores: 0–4 % over six baselines at
        // d = 8), so the bound is loose; a biased null (the 0.3 pool at 4 × alarmed 10 ×) fails it.
        #expect(calibrated["none"]!.alarms <= 8 && calibrated["none"]!.baselineRows == 800)
        #expect(calibrated["mean_shift"]!.alarms == 100 && calibrated["heavy_tail"]!.alarms == 100)
        let json = String(decoding: try JSONEncoder().encode(rows[0]), as: UTF8.self)
        for key in ["scenario", "param", "window", "baseline_rows", "d", "trials", "alarms", "rate", "ci_low", "ci_high", "median_delay", "p90_delay", "mode"] {
            #expect(json.contains("\"\(key)\""), "row JSON lacks \(key): \(json)")
        }
    }

    @Test func streamCountsFalsePagesAndDelays() async throws {
        var eval = StreamEvaluation()
        (eval.hours, eval.rate, eval.cohorts, eval.dimension, eval.trials, eval.maxDelaySeconds) = (0.5, 20, 2, 8, 2, 600)
        eval.scenarios = [(.meanShift, 0.5)]
        eval.config.window = WindowSettings(size: 100)
        eval.config.baseline.captureRows = 1000
        eval.config.baseline.nullResamples = 99
        eval.level = 0.01
        let report = try await eval.run()
        // 0.5 h at one round per 10 s, three keys (two cohorts and the aggregate).
        #expect(report.evaluations >= 3 * 170 && report.evaluations <= 3 * 180)
        #expect(report.falsePages <= 1, "\(report.falsePages) false pages in half an hour")
        let row = try #require(report.rows.first)
        print("stream test: \(report.falsePages) false pages, \(report.evaluations) evaluations, delays \(row.medianDelay ?? -1) / \(row.p90Delay ?? -1)")
        #expect(row.alarms == 2 && row.mode == "stream")
        // Two disjoint windows of 100 rows at 10 events/s per cohort: at least 20 s, within the hour.
        #expect(try #require(row.medianDelay) >= 20 && row.p90Delay! <= 600)
    }
}

import ArgumentParser
import Foundation
import Monitor
import Reports
import StateStore
import TwinwatchCore

/// `twinwatch bench report`: a week of evaluation history at 10 s for one model with 5 cohorts (and
/// the model aggregate), written to a fresh store, then `report` timed: reading the history,
/// assembling the model, rendering the HTML. Targets (issue 16): ≤ 2 s, file ≤ 2 MB.
struct BenchReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Time a report over a week of 10-second evaluations of 5 cohorts (target ≤ 2 s, ≤ 2 MB).")

    @Option(help: "Days of history.")
    var days = 7

    @Option(help: "Cohorts (the model aggregate comes on top).")
    var cohorts = 5

    @Option(name: .customLong("repeat"), help: "Timed runs (the median is reported).")
    var repetitions = 3

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    func run() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("bench-report"))
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let steps = days * 8640
        let keys = (0..<cohorts).map { "c\($0)" } + ["all"]
        var rng = SystemRandomNumberGenerator()
        for start in stride(from: 0, to: steps, by: 8640) {
            var rows: [HistoryRecord] = []
            rows.reserveCapacity(8640 * keys.count * 2)
            for i in start..<min(start + 8640, steps) {
                let at = now - Int64(steps - i) * 10_000
                for key in keys {
                    var v = HistoryValues([.baseline: 1, .rows: 1000, .combinedP: Double.random(in: 0.001...1, using: &rng),
                                           .totalVariance: 3, .effectiveRank: 40, .meanPairwiseCosine: 0.02])
                    for kind in [DriftEstimatorKind.w1, .sliced, .frechet, .gaussianKL, .histKL, .norm] {
                        v[.score(kind)] = Double.random(in: 0...1, using: &rng)
                        v[.pValue(kind)] = Double.random(in: 0.001...1, using: &rng)
                        v[.z(kind)] = Double.random(in: -3...3, using: &rng)
                    }
                    rows.append(HistoryRecord(model: "m", cohort: key, kind: .drift, atMs: at, values: v))
                    rows.append(HistoryRecord(model: "m", cohort: key, kind: .verification, atMs: at,
                                              values: HistoryValues([.tp: 900, .fn: 100, .fp: 10, .tn: 990, .threshold: 0.5, .rate(.far): 0.01,
                                                                     .rateLower(.far): 0.005, .rateUpper(.far): 0.018])))
                }
            }
            try await store.appendHistory(rows)
        }
        let assembler = ReportAssembler(store: store, level: 0.001, targetFAR: 0.01)
        var times: [Double] = []
        var size = 0
        for _ in 0..<repetitions {
            let started = ContinuousClock.now
            let model = try await assembler.report(model: "m", nowMs: now)
            size = HTMLReport.render(model).utf8.count
            times.append((ContinuousClock.now - started) / .seconds(1))
        }
        let seconds = times.sorted()[times.count / 2]
        let rows = steps * keys.count * 2
        var line = BenchLine(name: "report_week", n: rows, d: 0, seconds: seconds, perSecond: Double(rows) / seconds, referenceSeconds: nil)
        line.extra = ["bytes": Double(size), "target_seconds": 2, "target_bytes": 2_000_000]
        let report = BenchReport(suite: "report", results: [line])
        if json {
            print(report.json())
        } else {
            print(report.table(unit: "rows/s"), terminator: "")
            print("html \(size) bytes (target ≤ 2 000 000); \(seconds < 2 ? "met" : "NOT met") ≤ 2 s; \(rows) history rows (\(keys.count) keys × \(steps) evaluations × drift + verification)")
        }
    }
}

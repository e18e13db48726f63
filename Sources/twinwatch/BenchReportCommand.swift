import ArgumentParser
import DriftEstimators
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

    @Option(help: "Embedding dimensions of the stored drift profiles.")
    var dimensions = 256

    @Option(name: .customLong("keep-db"), help: "Write the history to this new state database and keep it (e.g. to time `twinwatch report --db` on it).")
    var keep: String?

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    func run() async throws {
        let path = try keep ?? TemporaryStore.path("bench-report")
        defer { if keep == nil { try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent()) } }
        let store = try TwinwatchStore(path: path)
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
                    // A drift profile and a ROC curve every 15 minutes (store.profile_interval's default).
                    guard i % 90 == 0 else { continue }
                    if let profile = Self.profile(dimensions: dimensions, rng: &rng).record(model: "m", cohort: key, atMs: at) { rows.append(profile) }
                    let fpr = (0...100).map { Double($0) / 100 }
                    if let roc = StoredROC(fpr: fpr, tpr: fpr.map { $0.squareRoot() }).record(model: "m", cohort: key, atMs: at) { rows.append(roc) }
                }
            }
            try await store.appendHistory(rows)
        }
        let assembler = ReportAssembler(store: store, level: 0.001, targetFAR: 0.01)
        var times: [(all: Double, read: Double)] = []
        var size = 0
        for _ in 0..<repetitions {
            let started = ContinuousClock.now
            let model = try await assembler.report(model: "m", nowMs: now)
            let read = (ContinuousClock.now - started) / .seconds(1)
            size = HTMLReport.render(model).utf8.count
            times.append(((ContinuousClock.now - started) / .seconds(1), read))
        }
        let median = times.sorted { $0.all < $1.all }[times.count / 2]
        let seconds = median.all
        let rows = steps * keys.count * 2 + (steps + 89) / 90 * keys.count * 2
        var line = BenchLine(name: "report_week", n: rows, d: 0, seconds: seconds, perSecond: Double(rows) / seconds, referenceSeconds: nil)
        line.extra = ["bytes": Double(size), "target_seconds": 2, "target_bytes": 2_000_000, "read_seconds": median.read]
        let report = BenchReport(suite: "report", results: [line])
        if json {
            print(report.json())
        } else {
            print(report.table(unit: "rows/s"), terminator: "")
            print(String(format: "reading the store and assembling %.3f s, rendering %.3f s", median.read, seconds - median.read))
            print("html \(size) bytes (target ≤ 2 000 000); \(seconds < 2 ? "met" : "NOT met") ≤ 2 s; \(rows) history rows (\(keys.count) keys × \(steps) evaluations × drift + verification, a profile at d = \(dimensions) and a ROC every 15 min)")
        }
    }

    /// A drift profile of `dimensions` random W1 values with 6 histograms of 30 bins, as the daemon stores.
    static func profile(dimensions: Int, rng: inout SystemRandomNumberGenerator) -> StoredDriftProfile {
        let histograms = ["dimension 3", "dimension 7", "dimension 1", "projection 1", "projection 9", "projection 4"].map { label in
            DriftProfile.Histogram(label: label, w1: .random(in: 0...1, using: &rng), edges: (0...30).map { -1.5 + Double($0) / 10 },
                                   baseline: (0..<30).map { _ in .random(in: 0...2000, using: &rng) }, current: (0..<30).map { _ in .random(in: 0...100, using: &rng) })
        }
        return StoredDriftProfile(baselineID: 1, windowRows: 1000,
                                  profile: DriftProfile(dimensionW1: (0..<dimensions).map { _ in .random(in: 0...1, using: &rng) }, normalized: true,
                                                        histograms: histograms),
                                  baselineTotalVariance: 3, baselineEffectiveRank: 40, baselineMeanPairwiseCosine: 0.02)
    }
}

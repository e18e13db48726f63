import ArgumentParser
import DriftEstimators
import Foundation
import Monitor
import TwinwatchCore

/// `twinwatch bench budget`: how the size-derived prediction behind estimator budgets
/// (`WorkEstimate`, `evaluation.budget_*`) compares with this machine, for the daemon's estimators.
/// reference_seconds is the prediction; ratio = predicted ÷ measured (≥ 1: the prediction is the
/// slower, as it is meant to be; the default budget adds ×10 and 30 s on top).
struct BenchBudgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "budget",
        abstract: "Measured evaluation and null-calibration times against the size-derived prediction behind their budgets.")

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    @Flag(help: "A smaller grid (seconds instead of minutes).")
    var quick = false

    func run() async throws {
        guard BLASThreads.count == 1 else {
            throw CLIError(message: "bench budget: OpenBLAS runs \(BLASThreads.count) threads per call; the bench times one thread")
        }
        let configuration = DriftSettings().estimatorConfiguration
        // (reference rows n, window m, d) for evaluations; (baseline rows, window, d, B) for nulls.
        let evaluations = quick ? [(2_000, 500, 64), (9_000, 1_000, 128)] : [(2_000, 500, 64), (9_000, 1_000, 128), (30_000, 10_000, 256)]
        let nulls = quick ? [(1_000, 247, 128, 20)] : [(1_000, 247, 128, 100), (20_000, 1_000, 128, 10), (8_000, 2_000, 256, 5)]
        var results: [BenchLine] = []
        do throws(EstimatorError) {
            for (n, m, d) in evaluations {
                let summary = try BaselineSummary(baseline: BenchDriftCommand.synthetic(rows: n, dims: d, seed: 7, shift: 0), configuration: configuration)
                let window = BenchDriftCommand.synthetic(rows: m, dims: d, seed: 8, shift: 0.05)
                var best = Double.infinity
                for _ in 0..<3 {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    _ = try summary.evaluate(window)
                    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
                let predicted = WorkEstimate.evaluationSeconds(referenceRows: n, windowRows: m, dimensions: d, configuration: configuration)
                results.append(BenchLine(name: "evaluate m=\(m)", n: n, d: d, seconds: best, perSecond: 1 / best, referenceSeconds: predicted))
            }
            for (n, m, d, b) in nulls {
                let baseline = BenchDriftCommand.synthetic(rows: n, dims: d, seed: 9, shift: 0)
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try NullCalibration.calibrate(baseline: baseline, windowSize: m, configuration: configuration, resamples: b, seed: 42)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                let predicted = WorkEstimate.calibrationSeconds(baselineRows: n, windowSize: m, dimensions: d, configuration: configuration, resamples: b)
                results.append(BenchLine(name: "null m=\(m) B=\(b)", n: n, d: d, seconds: seconds, perSecond: 1 / seconds, referenceSeconds: predicted))
            }
        } catch {
            throw CLIError(message: "bench budget: \(error.message)")
        }
        let report = BenchReport(suite: "budget", results: results)
        if json { print(report.json()) } else { print(report.table(unit: "runs/s"), terminator: "") }
    }
}

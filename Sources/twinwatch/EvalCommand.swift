import AlertQuality
import ArgumentParser
import DriftEstimators
import Foundation
import Monitor
import TwinwatchCore

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the alerts: false-alarm rate on no-drift data and detection rate per drift scenario, window size and baseline size.",
        discussion: """
            Draws a baseline of ratio × window rows from a synthetic embedding mixture (golden/README.md's construction), \
            calibrates its null as the daemon does (re-split, B resamples), then scores --trials fresh windows of every \
            scenario with the daemon's estimators: an alarm is a combined (BH) p-value ≤ --level. The fixed mode is \
            Evidently's default (a dimension drifts when W1/std > 0.1; the window when more than 20 % of dimensions do).
            """)

    @Option(help: "Scenarios: all, or a comma list of none, mean_shift, cov_scale, new_cluster, dim_collapse, dim_corrupt, heavy_tail (name:param sets the parameter).")
    var scenarios = "all"
    @Option(help: "Window sizes m.") var windows = "50,100,500,2000,10000"
    @Option(help: "Baseline rows as multiples of the window.") var baselineRatio = "4,8,20"
    @Option(help: "Windows per scenario and grid point.") var trials = 200
    @Option(help: "Embedding dimensions.") var d = "64,256"
    @Option(help: "Seed of the data and of the null resampling.") var seed: UInt64 = 1
    @Option(help: "Null resamples B per grid point.") var resamples = 200
    @Option(help: "Per-evaluation level of the combined p-value.") var level = 0.01
    @Option(help: "Threads for the null calibrations.") var threads = 1
    @Flag(help: "One JSON array of rows instead of markdown.") var json = false

    func run() throws {
        var eval = BatchEvaluation(configuration: DriftSettings().estimatorConfiguration)
        do {
            eval.scenarios = try DriftScenario.parseList(scenarios)
        } catch {
            throw CLIError(message: "eval: \(error)", exitCode: 2)
        }
        eval.windows = try Self.integers(windows, "--windows")
        eval.baselineRatios = try Self.integers(baselineRatio, "--baseline-ratio")
        eval.dimensions = try Self.integers(d, "--d")
        guard trials >= 1, resamples >= 1, threads >= 1 else { throw CLIError(message: "eval: --trials, --resamples and --threads must be ≥ 1", exitCode: 2) }
        guard level > 0, level < 1, level >= 1 / Double(resamples + 1) else {
            throw CLIError(message: "eval: --level must lie in [1/(B+1), 1) with B = \(resamples)", exitCode: 2)
        }
        for point in eval.grid {
            if let why = NullCalibration.refusal(baselineRows: point.ratio * point.window, windowSize: point.window) {
                throw CLIError(message: "eval: d \(point.dimension), ratio \(point.ratio): \(why)", exitCode: 2)
            }
        }
        (eval.trials, eval.seed, eval.resamples, eval.level, eval.threads) = (trials, seed, resamples, level, threads)
        var bar = ProgressBar("eval")
        let started = ContinuousClock.now
        let rows = try eval.run { bar.update($0, of: $1) }
        bar.finish()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
        } else {
            print(EvalTable.markdown(rows, level: level))
            print("\(rows.count) rows, \(String(format: "%.0f", Double((ContinuousClock.now - started) / .milliseconds(1)) / 1000)) s")
        }
    }

    static func integers(_ text: String, _ option: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { throw CLIError(message: "eval: \(option) '\(text)' is not a list of positive integers", exitCode: 2) }
        return values.map { $0! }
    }
}

/// The markdown table of `eval` rows: one line per scenario and grid point, both modes side by side.
enum EvalTable {
    static func markdown(_ rows: [EvalRow], level: Double) -> String {
        var out = "| scenario | param | d | window | baseline rows | calibrated alarms (95 % CI) | fixed alarms (95 % CI) |\n|---|---|---|---|---|---|---|\n"
        let calibrated = rows.filter { $0.mode == "calibrated" }
        for c in calibrated {
            let f = rows.first { $0.mode == "fixed" && $0.scenario == c.scenario && $0.param == c.param && $0.window == c.window && $0.baselineRows == c.baselineRows && $0.d == c.d }
            out += "| \(c.scenario) | \(c.param.map { String($0) } ?? "–") | \(c.d) | \(c.window) | \(c.baselineRows) | \(cell(c)) | \(f.map(cell) ?? "–") |\n"
        }
        return out
    }

    static func cell(_ r: EvalRow) -> String {
        String(format: "%d/%d = %.1f %% [%.1f, %.1f]", r.alarms, r.trials, 100 * r.rate, 100 * r.ciLow, 100 * r.ciHigh)
    }
}

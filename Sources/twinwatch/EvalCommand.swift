import AlertQuality
import ArgumentParser
import DriftEstimators
import Foundation
import Monitor
import Synchronization
import TwinwatchCore

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure the alerts: false alarms, time between false pages, detection rate and delay per drift scenario.",
        discussion: """
            Batch mode: draws a baseline of ratio × window rows from a synthetic embedding mixture (golden/README.md's \
            construction), calibrates its null as the daemon does (re-split, B resamples), then scores --trials fresh \
            windows of every scenario with the daemon's estimators: an alarm is a combined (BH) p-value ≤ --level \
            (default 0.01). The fixed mode is Evidently's default (a dimension drifts when W1/std > 0.1; the window when \
            more than 20 % of dimensions do).
            Stream mode (--stream): one model whose cohorts come from different distributions streams through the \
            daemon's own windows, evaluator and drift rule with its defaults (auto-captured baseline, level, consecutive \
            windows) on a simulated clock: false pages over --hours of no drift, then the delay to the first page for \
            --trials streams of each drift scenario.
            """)

    @Option(help: "Scenarios: all, or a comma list of none, mean_shift, cov_scale, new_cluster, dim_collapse, dim_corrupt, heavy_tail (name:param sets the parameter).")
    var scenarios = "all"
    @Option(help: "Window sizes m (batch; default 50,100,500,2000,10000). Stream: the first is window.size (default 1000).") var windows: String?
    @Option(help: "Baseline rows as multiples of the window (batch).") var baselineRatio = "4,8,20"
    @Option(help: "Windows per scenario and grid point (batch, default 200); drift streams per scenario (stream, default 10).") var trials: Int?
    @Option(help: "Embedding dimensions (batch, default 64,256); stream: the first (default 64).") var d: String?
    @Option(help: "Seed of the data and of the null resampling.") var seed: UInt64 = 1
    @Option(help: "Null resamples B (batch default 200; stream: baseline.null_resamples, 1000).") var resamples: Int?
    @Option(help: "Level of the combined p-value (batch default 0.01; stream: 0.001, the default page rule's).") var level: Double?
    @Option(help: "Threads for the batch null calibrations.") var threads = 1
    @Flag(help: "Stream mode: simulated daemon over time.") var stream = false
    @Option(help: "Stream: simulated hours without drift.") var hours = 24.0
    @Option(help: "Stream: events per second of the model (all cohorts).") var rate = 100
    @Option(help: "Stream: evaluation interval (evaluation.interval).") var interval = "10s"
    @Option(help: "Stream: cohorts, each from its own distribution.") var cohorts = 3
    @Option(help: "Stream: drift.consecutive_windows (default 3).") var consecutiveWindows: Int?
    @Flag(help: "JSON instead of markdown.") var json = false
    @Flag(help: "Batch: print each grid point's time (null calibration, trials) to standard error.") var timings = false

    func run() async throws {
        let parsed: [(DriftScenario, Double?)]
        do { parsed = try DriftScenario.parseList(scenarios) } catch { throw CLIError(message: "eval: \(error)", exitCode: 2) }
        if let resamples, resamples < 1 { throw CLIError(message: "eval: --resamples must be ≥ 1", exitCode: 2) }
        if let trials, trials < 1 { throw CLIError(message: "eval: --trials must be ≥ 1", exitCode: 2) }
        if stream { try await runStream(parsed) } else { try runBatch(parsed) }
    }

    private func runBatch(_ parsed: [(DriftScenario, Double?)]) throws {
        var eval = BatchEvaluation(configuration: DriftSettings().estimatorConfiguration)
        eval.scenarios = parsed
        eval.windows = try Self.integers(windows ?? "50,100,500,2000,10000", "--windows")
        eval.baselineRatios = try Self.integers(baselineRatio, "--baseline-ratio")
        eval.dimensions = try Self.integers(d ?? "64,256", "--d")
        (eval.trials, eval.resamples, eval.level, eval.seed, eval.threads) = (trials ?? 200, resamples ?? 200, level ?? 0.01, seed, max(1, threads))
        try Self.checkLevel(eval.level, resamples: eval.resamples)
        for point in eval.grid {
            if let why = NullCalibration.refusal(baselineRows: point.ratio * point.window, windowSize: point.window) {
                throw CLIError(message: "eval: d \(point.dimension), ratio \(point.ratio): \(why)", exitCode: 2)
            }
        }
        var bar = ProgressBar("eval")
        let started = ContinuousClock.now
        let rows = try eval.run(progress: { bar.update($0, of: $1) }, timing: { t in
            guard timings else { return }
            let p = t.point
            FileHandle.standardError.write(Data(String(format: "\nd %d m %d n %d: null %.2f s, trials %.2f s (%.2f ms per evaluation)\n", p.dimension, p.window,
                                                       p.ratio * p.window, t.nullSeconds, t.trialSeconds, 1000 * t.trialSeconds / Double(max(t.evaluations, 1))).utf8))
        })
        bar.finish()
        if json { return print(try Self.encode(rows)) }
        print(EvalTable.markdown(rows))
        print("\(rows.count) rows, level \(eval.level), B = \(eval.resamples), \(Self.seconds(since: started)) s")
    }

    private func runStream(_ parsed: [(DriftScenario, Double?)]) async throws {
        var eval = StreamEvaluation()
        guard let seconds = DurationParser.parse(interval), seconds >= .seconds(1), seconds.components.attoseconds == 0 else {
            throw CLIError(message: "eval: --interval \(interval) is not a whole number of seconds like 10s", exitCode: 2)
        }
        guard hours > 0, rate >= 1, cohorts >= 1 else { throw CLIError(message: "eval: --hours, --rate and --cohorts must be positive", exitCode: 2) }
        eval.intervalSeconds = Int(seconds.components.seconds)
        eval.config.evaluation.interval = seconds
        (eval.hours, eval.rate, eval.cohorts, eval.seed) = (hours, rate, cohorts, seed)
        eval.scenarios = parsed.filter { $0.0 != .none }
        eval.trials = trials ?? 10
        if let w = try windows.map({ try Self.integers($0, "--windows")[0] }) { eval.config.window = WindowSettings(size: w) }
        if let dim = try d.map({ try Self.integers($0, "--d")[0] }) { eval.dimension = dim }
        if let resamples { eval.config.baseline.nullResamples = resamples }
        if let level { eval.level = level }
        if let consecutiveWindows { eval.config.drift.consecutiveWindows = max(1, consecutiveWindows) }
        try Self.checkLevel(eval.level, resamples: eval.config.baseline.nullResamples)
        let started = ContinuousClock.now
        let bar = Mutex(ProgressBar("eval --stream"))
        let report = try await eval.run { done, total in bar.withLock { $0.update(done, of: total) } }
        bar.withLock { $0.finish() }
        if json { return print(try Self.encode(report)) }
        print(EvalTable.stream(report))
        print("\(Self.seconds(since: started)) s")
    }

    static func checkLevel(_ level: Double, resamples: Int) throws {
        guard level > 0, level < 1, level >= 1 / Double(resamples + 1) else {
            throw CLIError(message: "eval: the level must lie in [1/(B+1), 1) with B = \(resamples), got \(level)", exitCode: 2)
        }
    }

    static func integers(_ text: String, _ option: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw CLIError(message: "eval: \(option) '\(text)' is not a list of positive integers", exitCode: 2)
        }
        return values.map { $0! }
    }

    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func seconds(since start: ContinuousClock.Instant) -> String {
        String(format: "%.0f", Double((ContinuousClock.now - start) / .milliseconds(1)) / 1000)
    }
}

/// The markdown tables of `eval`.
enum EvalTable {
    /// Batch rows: one line per scenario and grid point, both modes side by side.
    static func markdown(_ rows: [EvalRow]) -> String {
        var out = "| scenario | param | d | window | baseline rows | calibrated alarms (95 % CI) | fixed alarms (95 % CI) |\n|---|---|---|---|---|---|---|\n"
        for c in rows where c.mode == "calibrated" {
            let f = rows.first { $0.mode == "fixed" && $0.scenario == c.scenario && $0.param == c.param && $0.window == c.window && $0.baselineRows == c.baselineRows && $0.d == c.d }
            out += "| \(c.scenario) | \(c.param.map { String($0) } ?? "–") | \(c.d) | \(c.window) | \(c.baselineRows) | \(cell(c)) | \(f.map(cell) ?? "–") |\n"
        }
        return out
    }

    /// Stream report: false pages, ERT, then detection and delay per scenario.
    static func stream(_ r: StreamEvaluation.Report) -> String {
        var out = "stream: \(r.cohorts) cohorts, d = \(r.d), \(r.rate) events/s, evaluation every \(r.intervalSeconds) s, window \(r.window), "
            + "level \(r.level), \(r.consecutiveWindows) consecutive disjoint windows\n"
        out += "no drift: \(r.falsePages) false page(s) in \(String(format: "%.1f", r.hours)) h (\(r.evaluations) evaluations), "
            + String(format: "%.2f per day", r.falsePagesPerDay) + "; ERT "
            + (r.ertHours.map { String(format: "%.1f h", $0) } ?? String(format: "> %.1f h (95 %% lower bound, no false page)", r.ertLowerBoundHours)) + "\n\n"
        out += "| scenario | param | streams | paged (95 % CI) | median delay (s) | p90 delay (s) |\n|---|---|---|---|---|---|\n"
        for row in r.rows {
            out += "| \(row.scenario) | \(row.param.map { String($0) } ?? "–") | \(row.trials) | \(cell(row)) | "
                + "\(row.medianDelay.map { String(format: "%.0f", $0) } ?? "–") | \(row.p90Delay.map { String(format: "%.0f", $0) } ?? "–") |\n"
        }
        return out
    }

    static func cell(_ r: EvalRow) -> String {
        String(format: "%d/%d = %.1f %% [%.1f, %.1f]", r.alarms, r.trials, 100 * r.rate, 100 * r.ciLow, 100 * r.ciHigh)
    }
}

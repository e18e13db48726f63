import ArgumentParser
import DriftEstimators
import Foundation
import TwinwatchCore
import Verification

/// `twinwatch bench verify`: (a) `twinwatch verify` on a generated JSON-lines file as a whole
/// process, and its computation alone, against scikit-learn's `roc_curve` + counting timed on the
/// same data in the same run; (b) labelled events through the feedback join and per-cohort counting.
struct BenchVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Time `verify` (whole process and computation) against scikit-learn, and join + per-cohort counting (one thread).")

    @Option(help: "Labelled events (lines of the generated file).")
    var events = 1_000_000

    @Option(help: "Cohorts c0… the events are spread over.")
    var cohorts = 5

    @Option(name: .customLong("repeat"), help: "Timed runs per line (the median is reported, the fastest beside it).")
    var repetitions = 3

    @Option(help: "Python with numpy and scikit-learn (orjson if present) for the reference; default .venv-ref/bin/python3, else python3 on PATH.")
    var python: String?

    @Flag(name: .customLong("no-reference"), help: "Skip the Python reference.")
    var noReference = false

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    /// Targets: the whole `verify` process on 1 M lines, the computation against scikit-learn, the join + counting rate.
    static let processTargetSeconds = 1.0
    static let computeTargetRatio = 5.0
    static let countingTargetPerSecond = 1_000_000.0
    static let threshold = 0.55

    func validate() throws {
        if events < 10 || cohorts < 1 || cohorts > 1000 || repetitions < 1 {
            throw ValidationError("--events ≥ 10, --cohorts in 1…1000, --repeat ≥ 1")
        }
    }

    func run() async throws {
        let data = VerifyBenchData(events: events, cohorts: cohorts, seed: 11)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-bench-verify-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("labelled.jsonl")
        try data.writeJSONLines(to: file)

        let reference = noReference ? nil : try VerifyBenchReference.seconds(python: python, file: file, threshold: Self.threshold, repetitions: repetitions)
        var results = [BenchLine]()

        // (a) The whole process, as a user runs it: read, validate, sort, report, print.
        let process = try BenchClock.medianAndBest(repetitions: repetitions) { try Self.runVerify(file) }
        results.append(BenchLine(name: "verify_process", n: events, d: 0, seconds: process.median, perSecond: Double(events) / process.median,
                                 referenceSeconds: reference?.whole, extra: ["best_seconds": process.best, "target_seconds": Self.processTargetSeconds]))

        // (a) The computation alone, from parallel arrays: what scikit-learn is timed on.
        var summary: VerificationSummary?
        let compute = try BenchClock.medianAndBest(repetitions: repetitions) {
            summary = VerificationSummary(scores: data.scores, genuine: data.genuine, groupIndices: data.cohortIndex,
                                          groupNames: data.cohortNames, options: .init(threshold: Self.threshold))
        }
        // Like for like: the reference counted the same events the same way.
        if let reference, let all = summary?.overallGroup.counts, reference.all != [all.tp, all.fn, all.fp, all.tn] {
            throw CLIError(message: "bench verify: the reference counts \(reference.all), ours \([all.tp, all.fn, all.fp, all.tn])")
        }
        var computeExtra = ["best_seconds": compute.best]
        if let r = reference?.compute { computeExtra["target_seconds"] = r / Self.computeTargetRatio }
        results.append(BenchLine(name: "roc_counting", n: events, d: 0, seconds: compute.median, perSecond: Double(events) / compute.median,
                                 referenceSeconds: reference?.compute, extra: computeExtra))

        // (b) Labelled events through the feedback join (event, then its label) and per-cohort counting.
        let join = try BenchClock.medianAndBest(repetitions: repetitions) {
            let counts = data.joinAndCount(threshold: Self.threshold)
            if counts.values.reduce(0, { $0 + $1.total }) != events { throw CLIError(message: "bench verify: join lost events") }
        }
        results.append(BenchLine(name: "join_count_per_cohort", n: events, d: 0, seconds: join.median, perSecond: Double(events) / join.median,
                                 referenceSeconds: nil, extra: ["best_per_second": Double(events) / join.best, "target_per_second": Self.countingTargetPerSecond]))
        let count = try BenchClock.medianAndBest(repetitions: repetitions) {
            let counts = data.countPerCohort(threshold: Self.threshold)
            if counts.values.reduce(0, { $0 + $1.total }) != events { throw CLIError(message: "bench verify: counting lost events") }
        }
        results.append(BenchLine(name: "count_per_cohort", n: events, d: 0, seconds: count.median, perSecond: Double(events) / count.median,
                                 referenceSeconds: nil, extra: ["best_per_second": Double(events) / count.best, "target_per_second": Self.countingTargetPerSecond]))

        print(json ? BenchReport(suite: "verify", results: results).json() : Self.table(results, reference: reference), terminator: json ? "\n" : "")
    }

    /// `twinwatch verify FILE --json` in a child process (this binary), output discarded.
    static func runVerify(_ file: URL) throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        child.arguments = ["verify", file.path, "--json"]
        child.standardOutput = FileHandle.nullDevice
        try child.run()
        child.waitUntilExit()
        guard child.terminationStatus == 0 else { throw CLIError(message: "bench verify: verify exited \(child.terminationStatus)") }
    }

    static func table(_ results: [BenchLine], reference: VerifyBenchReference.Seconds?) -> String {
        var out = "one thread; reference: scikit-learn \(reference?.versions ?? "(not run)")\n"
        out += "line                         n    median s      best s       events/s   reference s    ratio   target\n"
        for r in results {
            var target = "-"
            if let t = r.extra["target_seconds"] {
                target = (r.extra["best_seconds"] ?? r.seconds) <= t ? String(format: "≤ %.3g s met", t) : String(format: "≤ %.3g s MISSED", t)
            } else if let t = r.extra["target_per_second"] {
                target = (r.extra["best_per_second"] ?? r.perSecond) >= t ? String(format: "≥ %.3g/s met", t) : String(format: "≥ %.3g/s MISSED", t)
            }
            let ref = r.referenceSeconds.map { String(format: "%.3f", $0) } ?? "-", ratio = r.ratio.map { String(format: "%.1fx", $0) } ?? "-"
            out += r.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: " %8d %11.4f %11.4f %14.0f ", r.n, r.seconds, r.extra["best_seconds"] ?? Double(r.n) / (r.extra["best_per_second"] ?? r.perSecond), r.perSecond)
                + String(repeating: " ", count: max(0, 13 - ref.count)) + ref + String(repeating: " ", count: max(0, 9 - ratio.count)) + ratio
                + "   " + target + "\n"
        }
        out += "verify_process: `twinwatch verify FILE --json` as a child process (reference: Python parsing the file (orjson) + the same computation,\n"
            + "  timed inside the interpreter, imports excluded); roc_counting: our computation from arrays vs scikit-learn roc_curve + counting\n"
            + "  per cohort on numpy arrays (target ≥ \(Int(computeTargetRatio))x); join_count_per_cohort: FeedbackJoin (event, then its label) + ConfusionCounts per cohort.\n"
        return out
    }
}

extension BenchClock {
    /// Median and fastest wall seconds of `repetitions` runs of `body`.
    static func medianAndBest(repetitions: Int, _ body: () throws -> Void) throws -> (median: Double, best: Double) {
        var times = [Double]()
        for _ in 0..<repetitions {
            let t = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9)
        }
        times.sort()
        return (times[times.count / 2], times[0])
    }
}

/// Seeded labelled scores in golden/README's shape: per cohort a genuine and an impostor normal,
/// scores rounded to float32 (written as their shortest decimals, like the golden files).
struct VerifyBenchData {
    let scores: [Double]
    let genuine: [Bool]
    let cohortIndex: [Int]
    let cohortNames: [String]
    let eventIDs: [String]
    static let startMs: Int64 = 1_735_689_600_000

    init(events n: Int, cohorts: Int, seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var scores = [Double](), genuine = [Bool](), cohort = [Int](), ids = [String]()
        scores.reserveCapacity(n)
        genuine.reserveCapacity(n)
        cohort.reserveCapacity(n)
        ids.reserveCapacity(n)
        for i in 0..<n {
            let c = Int(rng.next() % UInt64(cohorts))
            let g = rng.nextUnit() < 0.35
            let z = (-2 * log(rng.nextUnit())).squareRoot() * cos(2 * Double.pi * rng.nextUnit())
            let shift = 0.02 * Double(c)
            scores.append(Double(Float(max(-1, min(1, (g ? 0.72 - shift : 0.42 + shift) + 0.1 * z)))))
            genuine.append(g)
            cohort.append(c)
            ids.append("e-\(i)")
        }
        self.scores = scores
        self.genuine = genuine
        cohortIndex = cohort
        cohortNames = (0..<cohorts).map { "c\($0)" }
        eventIDs = ids
    }

    /// One event per line: `{"event_id","ts","model","cohort","label","score"}`.
    func writeJSONLines(to url: URL) throws {
        var out = [UInt8]()
        out.reserveCapacity(scores.count * 120)
        for i in scores.indices {
            let line = #"{"event_id":"\#(eventIDs[i])","ts":"\#(RFC3339.string(millis: Self.startMs + Int64(i) * 10))","model":"siamese-v1","#
                + #""cohort":"\#(cohortNames[cohortIndex[i]])","label":\#(genuine[i] ? 1 : 0),"score":\#(Float(scores[i]))}"#
            out += line.utf8
            out.append(UInt8(ascii: "\n"))
        }
        guard FileManager.default.createFile(atPath: url.path, contents: Data(out)) else {
            throw CLIError(message: "bench verify: cannot write \(url.path)")
        }
    }

    /// Each event recorded in a `FeedbackJoin`, its label 1 000 events later, each joined pair counted in its cohort.
    func joinAndCount(threshold: Double) -> [String: ConfusionCounts] {
        var join = FeedbackJoin(settings: .init(capacity: 100_000, ttlMs: 3_600_000))
        var counts = [String: ConfusionCounts]()
        let lag = 1_000, n = scores.count
        func label(_ j: Int) {
            if case .joined(let e) = join.recordLabel(eventID: eventIDs[j], label: genuine[j] ? 1 : 0, atMs: Self.startMs + Int64(j + lag) * 10) {
                counts[e.cohort, default: ConfusionCounts()].record(score: e.score, genuine: e.genuine, threshold: threshold)
            }
        }
        for i in 0..<n {
            _ = join.recordEvent(eventID: eventIDs[i], model: "siamese-v1", cohort: cohortNames[cohortIndex[i]], score: scores[i],
                                 atMs: Self.startMs + Int64(i) * 10)
            if i >= lag { label(i - lag) }
        }
        for j in max(0, n - lag)..<n { label(j) }
        return counts
    }

    /// The counting alone: each labelled score tallied in its cohort's counts.
    func countPerCohort(threshold: Double) -> [String: ConfusionCounts] {
        var counts = [String: ConfusionCounts]()
        for i in scores.indices {
            counts[cohortNames[cohortIndex[i]], default: ConfusionCounts()].record(score: scores[i], genuine: genuine[i], threshold: threshold)
        }
        return counts
    }
}

/// scikit-learn's `roc_curve` + counting per cohort (ref.py's verification report) timed on the
/// bench's file in the same run, one thread: the computation on numpy arrays alone, and parsing the
/// file (orjson when installed, else json) plus the computation. Imports and interpreter start are
/// not timed, which favours the reference.
enum VerifyBenchReference {
    struct Seconds: Decodable {
        let whole: Double
        let compute: Double
        let versions: String
        /// tp, fn, fp, tn of all events at the threshold, checked against ours.
        let all: [Int]
    }

    static func seconds(python: String?, file: URL, threshold: Double, repetitions: Int) throws -> Seconds {
        let venv = FileManager.default.currentDirectoryPath + "/.venv-ref/bin/python3"
        let executable = python ?? (FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3")
        let (output, status) = try PythonReference.run(script, arguments: [file.path, String(threshold), String(repetitions)], python: executable)
        guard status == 0, let seconds = try? JSONDecoder().decode(Seconds.self, from: output) else {
            throw CLIError(message: "bench verify: the reference needs \(executable) with numpy and scikit-learn"
                + " (scripts/reference-venv.sh makes .venv-ref; or --no-reference); exit \(status)")
        }
        return seconds
    }

    static let script = """
        import json, sys, time
        import numpy as np
        import sklearn
        from sklearn.metrics import roc_curve
        try:
            import orjson
            loads, parser = orjson.loads, "orjson " + orjson.__version__
        except ImportError:
            loads, parser = json.loads, "json"
        path, threshold, reps = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])

        def parse():
            scores, labels, cohorts, names = [], [], [], {}
            with open(path, "rb") as f:
                for line in f:
                    e = loads(line)
                    if e.get("score") is None or e.get("label") is None:
                        continue
                    scores.append(e["score"]); labels.append(e["label"])
                    cohorts.append(names.setdefault(e.get("cohort", "default"), len(names)))
            return np.asarray(scores, dtype=np.float64), np.asarray(labels, dtype=np.int64), np.asarray(cohorts)

        def report(s, y, c):  # ref.py's verification_report: counts, ROC, EER, thresholds at FAR
            out = {}
            groups = [("all", np.ones(len(y), dtype=bool))] + [(k, c == k) for k in np.unique(c)]
            for name, m in groups:
                ss, yy = s[m], y[m]
                acc, yb = ss >= threshold, yy.astype(bool)
                counts = [int(np.sum(acc & yb)), int(np.sum(~acc & yb)), int(np.sum(acc & ~yb)), int(np.sum(~acc & ~yb))]
                fpr, tpr, thr = roc_curve(yy, ss, drop_intermediate=False)
                fnr = 1.0 - tpr
                diff = fnr - fpr
                i = int(np.argmax(diff <= 0))
                w = diff[i - 1] / (diff[i - 1] - diff[i])
                eer = fpr[i - 1] + w * (fpr[i] - fpr[i - 1])
                j = int(np.argmin(np.abs(diff)))
                targets = [(thr[k], fpr[k], tpr[k]) for k in (int(np.nonzero(fpr <= t)[0][-1]) for t in (0.01, 0.001))]
                out[name] = (counts, eer, thr[j], targets)
            return out

        def best(f, n):
            times = []
            for _ in range(n):
                t = time.perf_counter(); r = f(); times.append(time.perf_counter() - t)
            return min(times), r

        whole, _ = best(lambda: report(*parse()), reps)
        arrays = parse()
        compute, result = best(lambda: report(*arrays), reps)
        print(json.dumps({"whole": whole, "compute": compute, "all": result["all"][0],
                          "versions": "%s, numpy %s, %s" % (sklearn.__version__, np.__version__, parser)}))
        """
}

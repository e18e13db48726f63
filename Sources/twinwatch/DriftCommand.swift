import ArgumentParser
import DriftEstimators
import Foundation
import TwinwatchCore

/// `twinwatch drift BASELINE CURRENT`: every estimator of DESIGN §5 on two files, JSON per DESIGN §9.
struct DriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drift",
        abstract: "Compare two embedding files (.npy, .f32bin, .jsonl, .events.bin) with the drift estimators.")

    @Argument(help: "Baseline embeddings file.")
    var baseline: String

    @Argument(help: "Current embeddings file.")
    var current: String

    @Option(help: "Comma-separated estimators: w1, sliced, frechet, gaussian_kl, hist_kl, knn_kl, health, or all.")
    var estimators = "w1,sliced,frechet,gaussian_kl,hist_kl,knn_kl"

    @Option(help: "Number of portable projections for sliced W and projected histograms.")
    var projections = 128

    @Option(help: "Seed of the projections and of the null resampling.")
    var seed: UInt64 = 42

    @Option(help: "Histogram bins (1 … 65536).")
    var bins = 32

    @Option(name: .customLong("knn-max-rows"), help: "Subsample at most this many rows per side for kNN KL (seeded).")
    var knnMaxRows: Int?

    @Flag(help: "Print JSON (DESIGN §9) instead of a table.")
    var json = false

    @Option(name: .customLong("null"), help: "Null resamples B (with --window): adds calibrated p-values.")
    var nullResamples: Int?

    @Option(help: "Window size M for the null calibration; CURRENT's first M rows are the window.")
    var window: Int?

    func validate() throws {
        if (nullResamples == nil) != (window == nil) { throw ValidationError("--null and --window go together") }
        if let b = nullResamples, b < 1 { throw ValidationError("--null must be ≥ 1 (DESIGN asks ≥ 200)") }
        if let m = window, m < 2 { throw ValidationError("--window must be ≥ 2") }
        if projections < 1 || !(1...65_536).contains(bins) { throw ValidationError("--projections must be ≥ 1 and --bins in 1…65536") }
    }

    func run() async throws {
        let kinds: Set<DriftEstimatorKind>
        do { kinds = try DriftEstimatorKind.parseList(estimators) } catch {
            throw CLIError(message: "drift: --estimators: \(error.message)", exitCode: 2)
        }
        let config = DriftConfiguration(estimators: kinds, projections: projections, projectionSeed: seed,
                                        bins: bins, knnMaxRows: knnMaxRows)
        let x = try load(baseline)
        let y = try load(current)
        let scores: DriftScores
        var null: DriftNullReport?
        do throws(EstimatorError) {
            scores = try Drift.compare(baseline: x, current: y, configuration: config)
            if let b = nullResamples, let m = window {
                guard y.rows >= m else {
                    throw EstimatorError(.tooFewRows, "\(current) has \(y.rows) rows, fewer than --window \(m)")
                }
                null = try DriftNullReport(baseline: x, current: y, configuration: config, resamples: b, window: m, seed: seed)
            }
        } catch {
            throw CLIError(message: "drift: \(error.message)")
        }
        if json {
            print(DriftJSON.render(scores, null: null))
        } else {
            print(DriftJSON.table(scores, null: null), terminator: "")
        }
    }

    private func load(_ path: String) throws -> Matrix {
        do { return try EmbeddingFile.read(path).rows } catch let error as CLIError {
            throw CLIError(message: "drift: \(error.message)", exitCode: error.exitCode)
        }
    }
}

/// p-values of each estimator's primary score against a null calibrated on the baseline.
///
/// The window is scored against a reference of all but M baseline rows (seeded) and its p-values
/// come from B re-splits of the baseline (`NullCalibration`); a baseline below the documented
/// minimum (`NullCalibration.minimumBaselineRatio` × M) is refused. The raw scores in the output stay
/// baseline-vs-current, as the golden values define them.
struct DriftNullReport {
    let resamples: Int
    let window: Int
    let seed: UInt64
    let pValues: [DriftEstimatorKind: Double]
    let z: [DriftEstimatorKind: Double]
    let combined: Double
    let method: MultipleTestingMethod

    init(baseline: Matrix, current: Matrix, configuration: DriftConfiguration, resamples: Int, window: Int, seed: UInt64) throws(EstimatorError) {
        var config = configuration
        config.estimators.remove(.health)
        let null = try NullCalibration.calibrate(baseline: baseline, windowSize: window, configuration: config, resamples: resamples, seed: seed)
        let summary = try BaselineSummary(baseline: BaselineSplit(baseline, windowSize: window, seed: seed).reference, configuration: config)
        let verdict = null.assess(try summary.evaluate(current.prefix(rows: window)))
        self.resamples = resamples
        self.window = window
        self.seed = seed
        pValues = verdict.pValues
        z = verdict.z
        combined = verdict.combinedP
        method = verdict.method
    }
}

/// Renders `DriftScores` as the DESIGN §9 JSON object (fixed key order) or a human table.
enum DriftJSON {
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "null" }
        return "\(v)"
    }

    static func object(_ pairs: [(String, String)]) -> String {
        "{" + pairs.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ", ") + "}"
    }

    static func render(_ s: DriftScores, null: DriftNullReport?) -> String {
        var out: [(String, String)] = [("n", "\(s.n)"), ("m", "\(s.m)"), ("d", "\(s.d)")]
        if let w = s.w1 { out.append(("w1", object([("mean", number(w.mean)), ("max", number(w.max)), ("argmax", "\(w.argmax)")]))) }
        if let sl = s.sliced { out += [("sliced_w1", number(sl.sw1)), ("sliced_w2", number(sl.sw2))] }
        if let f = s.frechet { out.append(("frechet", number(f))) }
        if let g = s.gaussianKL {
            out.append(("gaussian_kl", object([("full_bc", number(g.fullBaseCur)), ("full_cb", number(g.fullCurBase)),
                                               ("diag_bc", number(g.diagBaseCur)), ("diag_cb", number(g.diagCurBase))])))
        }
        if let h = s.histKLDims {
            out.append(("hist_kl_dims", object([("mean_bc", number(h.meanBaseCur)), ("max_bc", number(h.maxBaseCur)),
                                                ("mean_cb", number(h.meanCurBase))])))
        }
        if let h = s.histKLProj { out.append(("hist_kl_proj", object([("mean_bc", number(h.meanBaseCur))]))) }
        if let k = s.knnKL {
            var pairs = [(String, String)]()
            for (i, kk) in k.ks.enumerated() { pairs += [("k\(kk)_bc", number(k.baseCur[i])), ("k\(kk)_cb", number(k.curBase[i]))] }
            out.append(("knn_kl", object(pairs)))
        }
        if let v = s.norm { out.append(("norm_w1", number(v))) }
        if let h = s.health {
            out.append(("health", object([("total_variance", number(h.totalVariance)), ("mean_pairwise_cosine", number(h.meanPairwiseCosine)),
                                          ("effective_rank", number(h.effectiveRank)), ("nan_rate", number(h.nanRate)),
                                          ("inf_rate", number(h.infRate)), ("zero_vector_rate", number(h.zeroVectorRate))])))
        }
        if let n = null {
            let keys = n.pValues.keys.sorted()
            out.append(("null", object([
                ("B", "\(n.resamples)"), ("window", "\(n.window)"), ("seed", "\(n.seed)"),
                ("p_value", object(keys.map { ($0.rawValue, number(n.pValues[$0])) })),
                ("z", object(keys.map { ($0.rawValue, number(n.z[$0])) })),
                ("combined_p", number(n.combined)), ("method", "\"\(n.method.rawValue)\""),
            ])))
        }
        return object(out)
    }

    static func table(_ s: DriftScores, null: DriftNullReport?) -> String {
        var rows: [(String, String)] = [("n × d (baseline)", "\(s.n) × \(s.d)"), ("m (current)", "\(s.m)")]
        func f(_ v: Double) -> String { String(format: "%.6g", v) }
        if let w = s.w1 { rows += [("w1 mean", f(w.mean)), ("w1 max (dim)", "\(f(w.max)) (\(w.argmax))")] }
        if let sl = s.sliced { rows += [("sliced W1", f(sl.sw1)), ("sliced W2", f(sl.sw2))] }
        if let v = s.frechet { rows.append(("frechet", f(v))) }
        if let g = s.gaussianKL {
            rows += [("gaussian KL full b‖c / c‖b", "\(f(g.fullBaseCur)) / \(f(g.fullCurBase))"),
                     ("gaussian KL diag b‖c / c‖b", "\(f(g.diagBaseCur)) / \(f(g.diagCurBase))")]
        }
        if let h = s.histKLDims { rows.append(("hist KL dims mean b‖c / max (dim)", "\(f(h.meanBaseCur)) / \(f(h.maxBaseCur)) (\(h.argmaxBaseCur))")) }
        if let h = s.histKLProj { rows.append(("hist KL proj mean b‖c", f(h.meanBaseCur))) }
        if let k = s.knnKL {
            for (i, kk) in k.ks.enumerated() { rows.append(("kNN KL k=\(kk) b‖c / c‖b", "\(f(k.baseCur[i])) / \(f(k.curBase[i]))")) }
        }
        if let v = s.norm { rows.append(("norm W1", f(v))) }
        if let h = s.health {
            rows += [("total variance", f(h.totalVariance)), ("mean pairwise cosine", f(h.meanPairwiseCosine)),
                     ("effective rank", f(h.effectiveRank)), ("NaN / Inf / zero rows", "\(f(h.nanRate)) / \(f(h.infRate)) / \(f(h.zeroVectorRate))")]
        }
        if let n = null {
            for k in n.pValues.keys.sorted() {
                rows.append(("p-value \(k.rawValue) (z)", "\(f(n.pValues[k]!)) (\(f(n.z[k]!)))"))
            }
            rows.append(("combined p (\(n.method.rawValue), B=\(n.resamples), window \(n.window))", f(n.combined)))
        }
        let width = rows.map { $0.0.count }.max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }
}

import ArgumentParser
import StateStore
import DriftEstimators
import Foundation

struct BaselineListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List baselines, newest version first.")

    @Option(help: "Only this model's baselines.")
    var model: String?

    @Flag(help: "Print a JSON array.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try store.openStore()
        let infos = try await storeCall("list") { () async throws(StoreError) in try await db.baselines(model: model) }
        if json {
            print(try BaselineJSON.string(infos.map(BaselineJSON.Info.init)))
            return
        }
        guard !infos.isEmpty else {
            print("no baselines\(model.map { " for model \($0)" } ?? "") in \(db.path)")
            return
        }
        let header = ["ID", "MODEL", "VERSION", "STATUS", "ROWS", "DIM", "MODEL_VERSION", "CREATED", "SOURCE"]
        let rows = infos.map { i in
            ["\(i.id)", i.model, "v\(i.version)", i.status.rawValue, "\(i.n)", "\(i.d)", i.modelVersion ?? "-", i.createdAt, i.source]
        }
        print(TextTable.render([header] + rows), terminator: "")
    }
}

struct BaselineShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Provenance, summaries and null calibrations of one baseline.")

    @Argument(help: "Baseline id.")
    var id: Int64

    @Flag(help: "Print a JSON object.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try store.openStore()
        let baseline = try await storeCall("show \(id)") { () async throws(StoreError) in try await db.baseline(id: id) }
        let nulls = try await storeCall("show \(id)") { () async throws(StoreError) in try await db.nulls(baselineID: id) }
        let overruns = try await storeCall("show \(id)") { () async throws(StoreError) in try await db.overruns(baselineID: id) }
        if json {
            print(try BaselineJSON.string(BaselineJSON.Detail(baseline, nulls: nulls, overruns: overruns)))
            return
        }
        let i = baseline.info, p = baseline.profile
        var out = """
            baseline \(i.id): \(i.model) v\(i.version) (\(i.status.rawValue))
              model version  \(i.modelVersion ?? "-")
              rows × dims    \(i.n) × \(i.d)
              created        \(i.createdAt) by \(i.createdBy)
              source         \(i.source)
              time range     \(i.timeFrom ?? "-") … \(i.timeTo ?? "-")
              health         total variance \(f(p.health.totalVariance)), mean pairwise cosine \(f(p.health.meanPairwiseCosine)), effective rank \(f(p.health.effectiveRank))
              mean score     \(p.scoreMean.map(f) ?? "-") (\(p.scoreCount) scored rows)

            """
        let shown = min(i.d, 8)
        var table = [["DIM", "MEAN", "STD"] + p.quantileLevels.map { "Q\(Int(($0 * 100).rounded()))" }]
        for j in 0..<shown { table.append(["\(j)", f(p.mean[j]), f(p.std[j])] + p.quantiles[j].map(f)) }
        out += TextTable.render(table)
        if i.d > shown { out += "  … \(i.d - shown) more dimensions (--json has all)\n" }
        out += "\ncohorts (each cohort's window is compared with its own rows; a calibrated null needs \(NullCalibration.minimumBaselineRatio) × the window):\n"
        out += TextTable.render([["COHORT", "ROWS", "LARGEST CALIBRATED WINDOW"]] + BaselineJSON.CohortEntry.all(baseline).map {
            [$0.cohort, "\($0.rows)", $0.largestWindow.map(String.init) ?? "none: not scored for drift"]
        })
        if baseline.cohorts == nil { out += "  stored without row cohorts: only the model aggregate (all) is scored\n" }
        out += "\nnull calibrations:\n"
        if nulls.isEmpty { out += "  none yet (computed by the daemon per window size on first use)\n" }
        for n in nulls {
            let c = n.calibration
            let estimators = c.distributions.keys.sorted().map { k in "\(k.rawValue) μ=\(f(c.distributions[k]!.mean)) σ=\(f(c.distributions[k]!.std))" }
            out += "  window \(n.windowSize): B=\(c.resamples), reference \(c.referenceRows) rows, \(n.createdAt)\n    \(estimators.joined(separator: "\n    "))\n"
        }
        if !overruns.isEmpty {
            out += "\nestimator work past its budget (evaluation.budget_factor / budget_minimum; newest first):\n"
            out += TextTable.render([["WORK", "COHORT", "WINDOW", "STARTED", "BUDGET", "OUTCOME"]] + overruns.map { o in
                [o.kind, o.cohort, "\(o.windowSize)", o.startedAt, "\(f(o.budgetSeconds)) s",
                 o.outcome == .running ? "still running" : o.outcome.rawValue + (o.seconds.map { " after \(f($0)) s" } ?? "")]
            })
        }
        print(out, terminator: "")
    }

    private func f(_ x: Double) -> String { String(format: "%.4g", x) }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(_ rows: [[String]]) -> String {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n") + "\n"
    }
}

import ArgumentParser
import StateStore
import DriftEstimators
import Foundation
import TwinwatchCore

struct BaselineDiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two baselines with the drift estimators (A is the reference, B the current).")

    @Argument(help: "Baseline id A (reference).")
    var a: Int64

    @Argument(help: "Baseline id B (compared with A).")
    var b: Int64

    @Option(help: "Comma-separated estimators (w1, sliced, frechet, gaussian_kl, hist_kl, knn_kl, health, all).")
    var estimators = "w1,sliced,frechet,gaussian_kl,hist_kl,health"

    @Flag(help: "Print the JSON of `twinwatch drift --json`.")
    var json = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let db = try store.openStore()
        let first = try await storeCall("diff") { () async throws(StoreError) in try await db.baseline(id: a) }
        let second = try await storeCall("diff") { () async throws(StoreError) in try await db.baseline(id: b) }
        guard first.info.d == second.info.d else {
            throw CLIError(message: "baseline diff: baseline \(a) has \(first.info.d) dimensions, baseline \(b) has \(second.info.d)")
        }
        let scores: DriftScores
        do {
            let configuration = DriftConfiguration(estimators: try DriftEstimatorKind.parseList(estimators), knnMaxRows: 5000)
            scores = try BaselineSummary(baseline: first.rows, configuration: configuration).evaluate(second.rows)
        } catch {
            throw CLIError(message: "baseline diff: \(error.message)")
        }
        if json {
            print(DriftJSON.render(scores, null: nil))
        } else {
            print("baseline \(a) (\(first.info.model) v\(first.info.version), \(first.info.n) rows) → baseline \(b) (\(second.info.model) v\(second.info.version), \(second.info.n) rows)")
            print(DriftJSON.table(scores, null: nil), terminator: "")
        }
    }
}

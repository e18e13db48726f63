import ArgumentParser
import StateStore
import DriftEstimators
import Foundation
import TwinwatchCore

struct BaselineImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Store the rows of a .npy, .f32bin, .jsonl or .events.bin file as a candidate baseline.")

    @Argument(help: "The file to import.")
    var file: String

    @Option(help: "Model the baseline is for (JSON lines of other models are skipped).")
    var model: String

    @Option(help: "Model version the rows were produced by (default: the events' model_version, if any).")
    var modelVersion: String?

    @Option(help: "Keep at most this many rows (a seeded uniform sample).")
    var maxRows: Int?

    @Option(help: "Cohort of every row of a matrix file (.npy, .f32bin), which names none; event files carry each row's cohort.")
    var cohort: String?

    @Flag(help: "Promote the imported baseline to active right away.")
    var promote = false

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let config = try store.loadConfig()
        let db = try store.openStore(config)
        var bar = ProgressBar("reading \(URL(fileURLWithPath: file).lastPathComponent)")
        let input = try EmbeddingFile.read(file, model: model) { done, total in bar.update(done, of: total) }
        bar.finish()
        var rows = input.rows
        var scores = input.scores
        var cohorts = input.cohorts
        if let cohort {
            guard cohorts.isEmpty else { throw CLIError(message: "import \(file): --cohort is for matrix files; the events name their cohorts", exitCode: 2) }
            cohorts = Array(repeating: cohort, count: rows.rows)
        }
        if let maxRows, rows.rows > maxRows {
            var rng = SplitMix64(seed: 42)
            let chosen = (0..<rows.rows).shuffled(using: &rng).prefix(maxRows).sorted()
            rows = rows.selectingRows(chosen)
            if !scores.isEmpty { scores = chosen.map { scores[$0] } }
            if !cohorts.isEmpty { cohorts = chosen.map { cohorts[$0] } }
        }
        try requireCalibratable(rows.rows, cohorts: cohorts, config: config, context: "import \(file)")
        let baseline = NewBaseline(model: model, modelVersion: modelVersion ?? input.modelVersion, createdBy: CommandUser.name,
                                   source: "import:\(URL(fileURLWithPath: file).standardizedFileURL.path)",
                                   timeFrom: input.timeFrom.map { RFC3339.string(millis: $0) }, timeTo: input.timeTo.map { RFC3339.string(millis: $0) },
                                   rows: rows, scores: scores, cohorts: cohorts)
        let info = try await storeCall("import \(file)") { () async throws(StoreError) in try await db.insert(baseline) }
        print("baseline \(info.id): \(info.model) v\(info.version), \(info.n) × \(info.d) rows from \(file), status \(info.status.rawValue)")
        if promote {
            try await storeCall("promote \(info.id)") { () async throws(StoreError) in _ = try await db.promote(id: info.id) }
            print("baseline \(info.id) is active")
        }
    }
}

/// Who ran the command, for `created_by`.
enum CommandUser {
    static var name: String { ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "twinwatch-cli" }
}

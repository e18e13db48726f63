import ArgumentParser
import Foundation
import Monitor
import Reports
import StateStore
import TwinwatchCore

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a model's baseline and drift report: one self-contained HTML file (inline SVG plots), or its JSON.")

    @Option(help: "The model (optional with --baseline: the baseline's model).")
    var model: String?

    @Option(help: "Report on this baseline alone (and its drift against the active one): read it before promoting.")
    var baseline: Int64?

    @Option(help: "Start of the period: RFC 3339 (2026-12-01T00:00:00Z) or a duration back from now (7d, 12h). Default: all history kept.")
    var from: String?

    @Option(help: "End of the period (RFC 3339). Default: now.")
    var to: String?

    @Option(help: "Output file; - writes to standard output. Default: twinwatch-report-<model>.html (or .json).")
    var out: String?

    @Option(help: "html or json.")
    var format: Format = .html

    @OptionGroup var store: StoreOptions

    enum Format: String, ExpressibleByArgument { case html, json }

    /// `--model`, else the model of `--baseline`; nil with neither.
    private func reportedModel(_ db: TwinwatchStore) async throws -> String? {
        if let model { return model }
        guard let baseline else { return nil }
        return try await storeCall("baseline \(baseline)") { () async throws(StoreError) in try await db.info(id: baseline).model }
    }

    func run() async throws {
        let config = try store.loadConfig()
        let db = try store.openStore(config)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let fromMs = try from.map { try Self.instant($0, now: now, option: "--from") }
        let toMs = try to.map { try Self.instant($0, now: now, option: "--to") }
        let assembler = config.map { ReportAssembler(store: db, config: $0) } ?? ReportAssembler(store: db, level: nil, targetFAR: nil)
        guard let model = try await reportedModel(db) else {
            throw CLIError(message: "report: name the model (--model M) or a baseline (--baseline ID)", exitCode: 2)
        }
        let report = try await storeCall("report \(model)") { () async throws(StoreError) in
            try await assembler.report(model: model, baselineID: baseline, fromMs: fromMs, toMs: toMs, nowMs: now)
        }
        let bytes: Data = format == .html ? Data(HTMLReport.render(report).utf8) : try ReportJSON.encode(report)
        let path = out ?? "twinwatch-report-\(model.replacingOccurrences(of: "/", with: "_")).\(format.rawValue)"
        if path == "-" {
            FileHandle.standardOutput.write(bytes)
            return
        }
        do {
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError(message: "report: cannot write \(path): \(error.localizedDescription)")
        }
        print("report of \(model) written to \(path) (\(bytes.count) bytes)")
    }

    /// RFC 3339, or a duration (`7d`) back from `now`.
    static func instant(_ text: String, now: Int64, option: String) throws -> Int64 {
        if let ms = ReportAssembler.instant(text, nowMs: now) { return ms }
        throw CLIError(message: "report: \(option) \(text): expected RFC 3339 (2026-12-01T00:00:00Z) or a duration (7d, 12h)", exitCode: 64)
    }
}

import Alerting
import DriftEstimators
import Foundation
import StateStore
import Testing
import TwinwatchCore

/// `twinwatch report` as a model owner runs it, on a state database with a day of history.
@Suite("Report CLI", .serialized)
struct ReportCLITests {
    @Test("report --model writes one self-contained HTML file; --format json carries the same period; an unknown model says there is no data")
    func reportFromStore() async throws {
        let db = try TemporaryStore.path("report")
        let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
        let store = try TwinwatchStore(path: db)
        let now = WallClock.nowMs()
        var rows: [HistoryRecord] = []
        for i in 0..<8640 {
            for cohort in ["all", "eu-mobile"] {
                let p = cohort == "eu-mobile" && i > 8000 ? 0.0005 : 0.3 + 0.2 * sin(Double(i) / 50)
                rows.append(HistoryRecord(model: "m", cohort: cohort, kind: .drift, atMs: now - Int64(8640 - i) * 10_000,
                                          values: HistoryValues([.combinedP: p, .score(.sliced): 0.05, .pValue(.sliced): p, .effectiveRank: 30])))
            }
        }
        rows.append(HistoryRecord(model: "m", cohort: "eu-mobile", kind: .verification, atMs: now - 1000,
                                  values: HistoryValues([.tp: 950, .fn: 50, .fp: 18, .tn: 982, .threshold: 0.5, .rate(.far): 0.018,
                                                         .rateLower(.far): 0.0114, .rateUpper(.far): 0.0283])))
        try await store.appendHistory(rows)

        let html = dir.appendingPathComponent("report.html").path
        let run = try TwinwatchProcess(["report", "--model", "m", "--db", db, "--out", html], in: dir, name: "report")
        run.process.waitUntilExit()
        #expect(run.process.terminationStatus == 0, "\(run.log)")
        let text = try String(contentsOfFile: html, encoding: .utf8)
        #expect(text.hasPrefix("<!DOCTYPE html>") && text.contains("<svg") && !text.contains("<script") && !text.contains("src=\"http"))
        #expect(text.contains("eu-mobile") && text.utf8.count < 2_000_000, "\(text.utf8.count) bytes")

        let json = dir.appendingPathComponent("report.json").path
        let jsonRun = try TwinwatchProcess(["report", "--model", "m", "--db", db, "--format", "json", "--from", "1h", "--out", json], in: dir, name: "report-json")
        jsonRun.process.waitUntilExit()
        #expect(jsonRun.process.terminationStatus == 0, "\(jsonRun.log)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let series = try #require(document["drift"] as? [[String: Any]])
        let times = series.flatMap { ($0["times_ms"] as? [NSNumber]) ?? [] }.map(\.int64Value)
        #expect(!times.isEmpty && times.allSatisfy { $0 >= now - 3_600_000 - 60_000 }, "the period is the last hour")

        let empty = dir.appendingPathComponent("empty.html").path
        let none = try TwinwatchProcess(["report", "--model", "unknown", "--db", db, "--out", empty], in: dir, name: "report-empty")
        none.process.waitUntilExit()
        #expect(try String(contentsOfFile: empty, encoding: .utf8).contains("No evaluation history in this period."))

        // One baseline alone, named by its id only: the model comes from the baseline.
        let rowsMatrix = try Matrix(rows: 40, cols: 2, values: (0..<80).map { Float($0 % 7) })
        let candidate = try await store.insert(NewBaseline(model: "m", createdBy: "test", source: "capture test", rows: rowsMatrix))
        let alone = dir.appendingPathComponent("alone.json").path
        let byID = try TwinwatchProcess(["report", "--baseline", "\(candidate.id)", "--db", db, "--format", "json", "--out", alone], in: dir, name: "report-baseline")
        byID.process.waitUntilExit()
        #expect(byID.process.terminationStatus == 0, "\(byID.log)")
        let baselineDocument = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: alone))) as? [String: Any])
        #expect(baselineDocument["model"] as? String == "m")
        #expect((baselineDocument["baselines"] as? [[String: Any]])?.map { ($0["id"] as? NSNumber)?.int64Value } == [candidate.id])
        let neither = try TwinwatchProcess(["report", "--db", db], in: dir, name: "report-neither")
        neither.process.waitUntilExit()
        #expect(neither.process.terminationStatus == 2 && neither.log.contains("--model M"), "\(neither.log)")
    }
}

import Foundation
import Testing

/// `twinwatch bench … --json` is a contract (DESIGN §9): scripts and dashboards read its shape.
@Suite("Bench JSON output")
struct BenchCLITests {
    private func json(_ arguments: [String]) throws -> [String: Any] {
        let dir = FileManager.default.temporaryDirectory
        let process = try TwinwatchProcess(arguments, in: dir, name: "bench-\(UUID().uuidString.prefix(6))")
        process.process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: process.output) }
        #expect(process.process.terminationStatus == 0, "\(process.log)")
        return try #require(try JSONSerialization.jsonObject(with: Data(process.log.utf8)) as? [String: Any], "\(process.log)")
    }

    @Test("bench drift: one line per estimator, hist_kl_dims beside hist_kl, the combined evaluation last")
    func drift() throws {
        let report = try json(["bench", "drift", "--n", "300", "--d", "8", "--repeat", "1", "--json"])
        #expect(report["suite"] as? String == "drift")
        #expect(report["threads"] as? Int == 1)
        let results = try #require(report["results"] as? [[String: Any]])
        let names = results.compactMap { $0["name"] as? String }
        #expect(names == ["w1", "sliced", "frechet", "gaussian_kl", "hist_kl_dims", "hist_kl", "knn_kl",
                          "combined(w1+sliced+frechet+gaussian_kl+hist_kl+knn_kl)"])
        for line in results {
            #expect(line["n"] as? Int == 300 && line["d"] as? Int == 8, "\(line)")
            #expect((line["seconds"] as? Double ?? 0) > 0 && (line["per_second"] as? Double ?? 0) > 0, "\(line)")
            // No reference exists at this size: the keys are there, with null.
            #expect(line["reference_seconds"] is NSNull && line["ratio"] is NSNull, "\(line)")
        }
    }

    @Test("bench decode: events per second for each wire format")
    func decode() throws {
        let report = try json(["bench", "decode", "--d", "16", "--events", "500", "--repeat", "1", "--json"])
        #expect(report["suite"] as? String == "decode")
        let results = try #require(report["results"] as? [[String: Any]])
        #expect(results.compactMap { $0["name"] as? String } == ["json", "json_b64", "binary"])
        for line in results { #expect((line["per_second"] as? Double ?? 0) > 0, "\(line)") }
    }
}

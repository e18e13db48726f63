import Foundation
import Testing

/// `twinwatch verify` as a user runs it: the built binary on the golden event files, its JSON
/// (DESIGN §9) checked against golden expected.json (scikit-learn).
@Suite("verify CLI")
struct VerifyCLITests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let events = tests.appendingPathComponent("DriftEstimatorsTests/Fixtures/golden/small")
    static let expected = tests.appendingPathComponent("VerificationTests/Fixtures/golden/small/mean_shift_0.05_n2000_d32_s11/expected.json")

    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let dir = FileManager.default.temporaryDirectory
        let process = try TwinwatchProcess(arguments, in: dir, name: "verify-\(UUID().uuidString.prefix(6))")
        process.process.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: process.output) }
        return (process.process.terminationStatus, process.log)
    }

    private func reference(_ window: String) throws -> [String: [String: Any]] {
        // JSONSerialization on Linux refuses Infinity: read it as JSON5 through JSONDecoder first.
        struct Cohort: Decodable {
            let tp, fn, fp, tn, n: Int
            let far, frr, recall, precision, eer_interp, eer_threshold: Double
            let t1, t2: [String: Double]
            enum CodingKeys: String, CodingKey {
                case tp, fn, fp, tn, n, far, frr, recall, precision, eer_interp, eer_threshold
                case t1 = "thr_at_far_0.01", t2 = "thr_at_far_0.001"
            }
        }
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        let all = try decoder.decode([String: AnyCodableCohorts<Cohort>].self, from: Data(contentsOf: Self.expected))
        let cohorts = try #require(all["verification_\(window)"]?.value)
        return cohorts.mapValues { c in
            ["tp": c.tp, "fn": c.fn, "fp": c.fp, "tn": c.tn, "n": c.n, "far": c.far, "frr": c.frr, "recall": c.recall,
             "precision": c.precision, "eer": c.eer_interp, "eer_threshold": c.eer_threshold, "targets": [c.t1, c.t2]]
        }
    }

    /// The `verify --json` shape (DESIGN §9). Read with JSONDecoder: JSONSerialization on Linux
    /// parses some 17-digit numbers one ulp off, which would hide (or fake) a threshold mismatch.
    struct Output: Decodable {
        let threshold: Double
        let skipped: Int
        let interval: String
        let cohorts: [String: Cohort]
        struct Cohort: Decodable {
            let n, tp, fn, fp, tn: Int
            let far, frr, recall, precision, eer, eer_threshold: Double?
            let far_ci, frr_ci: [Double]?
            let thresholds: [Target]
        }
        struct Target: Decodable {
            let target_far: Double
            let threshold: Double?
            let reachable: Bool
            let far, tpr: Double?
        }
    }

    @Test("verify --json on golden JSON lines and EVT1 files: counts exact, rates to 1e-12, thresholds the file's scores",
          arguments: [("baseline", "baseline.jsonl"), ("current", "mean_shift_0.05_n2000_d32_s11/current.jsonl"),
                      ("baseline", "baseline.events.bin"), ("current", "mean_shift_0.05_n2000_d32_s11/current.events.bin")])
    func golden(window: String, file: String) throws {
        let result = try run(["verify", Self.events.appendingPathComponent(file).path, "--threshold", "0.55",
                              "--target-far", "0.01,0.001", "--by", "cohort", "--json"])
        #expect(result.status == 0, "\(result.output)")
        let output = try JSONDecoder().decode(Output.self, from: Data(result.output.utf8))
        #expect(output.threshold == 0.55 && output.skipped == 0 && output.interval == "wilson")
        let reference = try reference(window)
        #expect(Set(output.cohorts.keys) == Set(reference.keys))
        // JSON lines hold each float32 score as its shortest decimal, read as that decimal: a
        // threshold is the score as the file writes it, the float32 the reference used once rounded.
        // EVT1 holds the float32 itself: thresholds are bit-equal.
        let binary = file.hasSuffix(".bin")
        func sameScore(_ ours: Double?, _ theirs: Double) -> Bool {
            guard let ours else { return theirs == .infinity }
            return binary ? ours == theirs : Float(ours) == Float(theirs)
        }
        for (name, ref) in reference {
            let ours = try #require(output.cohorts[name])
            let counts: [Int] = [ours.tp, ours.fn, ours.fp, ours.tn, ours.n]
            #expect(counts == ["tp", "fn", "fp", "tn", "n"].map { ref[$0] as! Int }, "\(file) \(name) counts")
            for (key, value) in [("far", ours.far), ("frr", ours.frr), ("recall", ours.recall), ("precision", ours.precision), ("eer", ours.eer)] {
                let a = try #require(value, "\(file) \(name) \(key)"), b = ref[key] as! Double
                #expect(abs(a - b) <= 1e-12, "\(file) \(name) \(key): \(a) vs \(b)")
            }
            #expect(sameScore(ours.eer_threshold, ref["eer_threshold"] as! Double), "\(file) \(name) eer_threshold")
            for (bounds, rate) in [(ours.far_ci, ours.far), (ours.frr_ci, ours.frr)] {
                let b = try #require(bounds, "\(name) interval"), r = try #require(rate)
                #expect(b.count == 2 && b[0] <= r && r <= b[1], "\(name) \(b) \(r)")
            }
            #expect(ours.thresholds.map(\.target_far) == [0.01, 0.001])
            for (t, r) in zip(ours.thresholds, ref["targets"] as! [[String: Double]]) {
                #expect(sameScore(t.threshold, r["threshold"]!), "\(file) \(name) \(t)")
                #expect(t.reachable == r["threshold"]!.isFinite, "\(file) \(name) \(t)")
                #expect(abs((t.far ?? -1) - r["far"]!) <= 1e-12 && abs((t.tpr ?? -1) - r["tpr"]!) <= 1e-12, "\(file) \(name) \(t)")
            }
        }
    }

    @Test("events without a label or a score are skipped and counted; the table says so; --by none and clopper-pearson")
    func skippedAndTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verify-cli-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("mixed.jsonl")
        try """
            {"event_id":"a","model":"m","cohort":"x","score":0.9,"label":1}
            {"event_id":"b","model":"m","cohort":"x","score":0.2,"label":0}
            {"event_id":"c","model":"m","cohort":"y","score":0.7,"label":0}
            {"event_id":"d","model":"m","cohort":"y","score":0.4}
            {"event_id":"e","model":"m","cohort":"y","embedding":[0.1,0.2],"label":1}

            """.write(to: file, atomically: true, encoding: .utf8)
        let text = try run(["verify", file.path, "--threshold", "0.5"])
        #expect(text.status == 0, "\(text.output)")
        #expect(text.output.contains("3 labelled events, 2 skipped (no score or no label)"), "\(text.output)")
        let json = try run(["verify", file.path, "--threshold", "0.5", "--by", "none", "--interval", "clopper-pearson", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any], "\(json.output)")
        #expect(object["skipped"] as? Int == 2 && object["interval"] as? String == "clopper-pearson")
        let cohorts = try #require(object["cohorts"] as? [String: [String: Any]])
        #expect(Array(cohorts.keys) == ["all"])
        let all = try #require(cohorts["all"])
        #expect(all["tp"] as? Int == 1 && all["fp"] as? Int == 1 && all["tn"] as? Int == 1 && all["fn"] as? Int == 0)
        // Without a false reject FRR is 0 (defined); a single genuine pair's FRR interval is wide.
        #expect(all["frr"] as? Double == 0 && (all["frr_ci"] as? [Double])?.last ?? 0 > 0.9)
    }

    @Test("errors: unreadable file and a file without labelled events exit 2 with one line")
    func errors() throws {
        let missing = try run(["verify", "/nonexistent/scores.jsonl"])
        #expect(missing.status == 2)
        #expect(missing.output.hasPrefix("twinwatch: verify: /nonexistent/scores.jsonl") && missing.output.filter { $0 == "\n" }.count == 1,
                "\(missing.output)")
        let dir = FileManager.default.temporaryDirectory
        let file = dir.appendingPathComponent("unlabelled-\(UUID().uuidString.prefix(6)).jsonl")
        try #"{"event_id":"a","model":"m","score":0.9}"#.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let unlabelled = try run(["verify", file.path])
        #expect(unlabelled.status == 2)
        #expect(unlabelled.output == "twinwatch: verify: \(file.path): no labelled events (1 events, none with both score and label)\n")
        // An invalid event is located by its line in the whole file, past the reader's 4 MB chunks.
        let big = dir.appendingPathComponent("bad-line-\(UUID().uuidString.prefix(6)).jsonl")
        var lines = (0..<45_000).map { #"{"event_id":"e-\#($0)","model":"m","cohort":"c\#($0 % 3)","label":\#($0 % 2),"score":0.\#($0 % 97)}"# }
        lines += lines.map { String(repeating: " ", count: 20) + $0 }.prefix(10_000)
        lines.append(#"{"event_id":"bad","model":"m","score":0.5,"label":7}"#)
        try (lines.joined(separator: "\n") + "\n").write(to: big, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: big) }
        let bad = try run(["verify", big.path])
        #expect(bad.status == 2)
        #expect(bad.output.hasPrefix("twinwatch: verify: \(big.path):55001: "), "\(bad.output)")
        let badTarget = try run(["verify", file.path, "--target-far", "0.01,2"])
        #expect(badTarget.status != 0 && badTarget.output.contains("--target-far"))
    }
}

extension VerifyCLITests {
    @Test("bench verify --json: the four lines of DESIGN §9's bench shape (small run, no Python reference)")
    func bench() throws {
        let result = try run(["bench", "verify", "--events", "5000", "--repeat", "1", "--no-reference", "--json"])
        #expect(result.status == 0, "\(result.output)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect(report["suite"] as? String == "verify" && report["threads"] as? Int == 1)
        let lines = try #require(report["results"] as? [[String: Any]])
        #expect(lines.compactMap { $0["name"] as? String } == ["verify_process", "roc_counting", "join_count_per_cohort", "count_per_cohort"])
        for line in lines {
            #expect(line["n"] as? Int == 5000 && (line["per_second"] as? Double ?? 0) > 0, "\(line)")
            #expect(line["reference_seconds"] is NSNull && line["ratio"] is NSNull, "\(line)")
        }
    }
}

/// Decodes the `verification_*` objects of expected.json and ignores the other top-level keys.
private struct AnyCodableCohorts<C: Decodable>: Decodable {
    let value: [String: C]?
    init(from decoder: any Decoder) throws { value = try? decoder.singleValueContainer().decode([String: C].self) }
}

import Foundation
import Testing
@testable import Reports

@Suite("Report JSON and summary", .serialized)
struct ReportJSONTests {
    static let week = HTMLReportTests.week

    @Test("JSON round-trips the model, with snake_case keys and the summary at the top level")
    func roundTrip() throws {
        let clock = ContinuousClock()
        var data = Data()
        let elapsed = try clock.measure { data = try ReportJSON.encode(Self.week, maxPoints: nil) }
        print("report JSON, full resolution: \(data.count) bytes, encoded in \(elapsed)")
        let decoded = try ReportJSON.decode(data)
        #expect(decoded == Self.week)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["generated_at_ms", "time_from_ms", "target_far", "candidate_drift", "dimension_w1", "threshold_history", "summary"] {
            #expect(object[key] != nil, "missing key \(key)")
        }
        let drift = try #require((object["drift"] as? [[String: Any]])?.first)
        #expect(drift["times_ms"] != nil && drift["combined_p"] != nil)
    }

    @Test("The default JSON is downsampled: ≤ 2 MB, series ≤ 1000 evaluations, extremes and the exact summary kept")
    func downsampledJSON() throws {
        let clock = ContinuousClock()
        var data = Data()
        let elapsed = try clock.measure { data = try ReportJSON.encode(Self.week) }
        print("report JSON, default (≤ \(ReportJSON.defaultMaxPoints) evaluations per series): \(data.count) bytes, encoded in \(elapsed)")
        #expect(data.count <= 2 * 1024 * 1024)
        #expect(try ReportJSON.encode(Self.week) == data)
        let shown = try ReportJSON.decode(data)
        #expect(try ReportJSON.decodeSummary(data) == Summary.items(for: Self.week))
        for (full, cut) in zip(Self.week.drift, shown.drift) {
            #expect(cut.count <= ReportJSON.defaultMaxPoints && cut.count > 0)
            #expect(cut.combinedP.count == cut.count && cut.estimators.allSatisfy { $0.scores.count == cut.count && $0.pValues.count == cut.count })
            #expect(cut.combinedP.min() == full.combinedP.min() && cut.combinedP.max() == full.combinedP.max())
            for (a, b) in zip(full.estimators, cut.estimators) { #expect(a.scores.max() == b.scores.max() && a.pValues.min() == b.pValues.min()) }
            // Below-level windows survive in every bucket that had one: the drifted day is still there.
            #expect(full.combinedP.contains { $0 < 0.001 } == cut.combinedP.contains { $0 < 0.001 })
        }
        for (full, cut) in zip(Self.week.health, shown.health) {
            #expect(cut.timesMs.count <= ReportJSON.defaultMaxPoints && cut.meanSimilarity.min() == full.meanSimilarity.min())
        }
        #expect(shown.verification.allSatisfy { ($0.roc?.fpr.count ?? 0) <= ReportJSON.defaultMaxPoints + 1 })
        #expect(shown.verification.map(\.far) == Self.week.verification.map(\.far))
    }

    @Test("Missing values in series are null in JSON and NaN after decoding")
    func gaps() throws {
        let series = ReportModel.DriftSeries(cohort: "a", timesMs: [1, 2, 3],
                                             estimators: [.init(name: "w1", scores: [0.1, .nan, 0.3], pValues: [0.5, 0.2, .nan])],
                                             combinedP: [.nan, 0.4, 1])
        let model = ReportModel(model: "m", generatedAtMs: 0, drift: [series])
        let data = try ReportJSON.encode(model, maxPoints: nil)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"combined_p\":[null,0.4,1]") && text.contains("\"scores\":[0.1,null,0.3]"))
        let back = try ReportJSON.decode(data).drift[0]
        #expect(back.combinedP[0].isNaN && back.combinedP[1] == 0.4 && back.estimators[0].scores[1].isNaN)
    }

    @Test("The summary's numbers are the JSON's numbers, formatted")
    func summaryNumbersEqualJSON() throws {
        let data = try ReportJSON.encode(Self.week, maxPoints: nil)
        let items = try ReportJSON.decodeSummary(data)
        #expect(items == Summary.items(for: try ReportJSON.decode(data)))
        let html = HTMLReport.render(Self.week)
        for item in items { #expect(html.contains(Markup.escape(item.text)), "not in the HTML: \(item.text)") }

        // FAR above target: eu-mobile, 36 of 2000 impostors.
        let far = try #require(items.first { $0.kind == .farAboveTarget })
        let cohort = try #require(Self.week.verification.first { $0.cohort == far.cohort })
        #expect(far.cohort == "eu-mobile")
        #expect(far.value == cohort.far?.value && far.lower == cohort.far?.lower && far.upper == cohort.far?.upper)
        #expect(far.target == Self.week.targetFar)
        #expect(far.text == "Cohort eu-mobile FAR 1.8 % [1.3, 2.5] above target 1 %.")
        let numbers = try #require(far.text.firstMatch(of: /FAR ([0-9.]+) % \[([0-9.]+), ([0-9.]+)\] above target ([0-9.]+) %/))
        for (shown, value) in [(numbers.1, far.value), (numbers.2, far.lower), (numbers.3, far.upper), (numbers.4, far.target)] {
            let parsed = try #require(Double(shown)), decimals = shown.split(separator: ".").dropFirst().first?.count ?? 0
            #expect(abs(parsed - value! * 100) <= 0.5 * pow(10, -Double(decimals)) + 1e-12, "\(shown) vs \(value!)")
        }

        // Drift: the count equals a naive count over the JSON's combined p-values.
        let drift = try #require(items.first { $0.kind == .drift })
        let json = try ReportJSON.decode(data)
        let series = try #require(json.drift.first { $0.cohort == drift.cohort })
        let below = series.combinedP.filter { $0 < json.level! }
        #expect(drift.cohort == "us-web" && drift.count == below.count && drift.total == series.count && drift.value == below.min())
        #expect(drift.sinceMs == series.timesMs[series.combinedP.firstIndex { $0 < json.level! }!])
        #expect(drift.text.contains("\(below.count) of \(series.count) windows below p 0.001 since 2026-11-24 00:00 UTC"))
        #expect(items.filter { $0.kind == .drift }.count == 1)

        let within = try #require(items.first { $0.kind == .farWithinTarget })
        #expect(within.count == 4 && within.total == 5 && within.text == "FAR within target 1 % in 4 of 5 cohorts.")
        let alerts = try #require(items.first { $0.kind == .alertsFiring })
        #expect(alerts.count == 2)
        let candidate = try #require(items.first { $0.kind == .candidateDrift })
        #expect(candidate.value == 0.0003 && candidate.text.contains("combined p 0.0003 below 0.001"))
        let health = try #require(items.first { $0.kind == .healthChange })
        #expect(health.cohort == "us-web" && health.target == 0.70)
    }

    @Test("No drift over a quiet week: one sentence with the period and the level")
    func noDrift() throws {
        var model = Self.week
        model.drift.remove(at: 3)
        let items = Summary.items(for: model)
        let item = try #require(items.first)
        #expect(item.kind == .noDrift && item.count == 0 && item.target == 0.001)
        #expect(item.text.hasPrefix("No significant drift in 7 days: all 4 cohorts stayed at or above p 0.001"))
    }

    @Test("Evaluations without p-values are not called drift-free")
    func uncalibrated() throws {
        var model = Self.week
        model.drift = model.drift.map { s in
            var s = s
            s.combinedP = []
            s.estimators = s.estimators.map { ReportModel.EstimatorSeries(name: $0.name, scores: $0.scores) }
            return s
        }
        #expect(Summary.items(for: model).first?.kind == .uncalibrated)
    }

    @Test("An empty model's summary says there is no history and no feedback")
    func emptySummary() {
        let items = Summary.items(for: ReportModel(model: "m", generatedAtMs: 0))
        #expect(items.map(\.kind) == [.noHistory, .noVerification])
    }
}

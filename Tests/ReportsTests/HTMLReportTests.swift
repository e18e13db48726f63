import Foundation
import Testing
@testable import Reports

@Suite("HTML report", .serialized)
struct HTMLReportTests {
    /// Built once: generating a week of series takes a moment in a debug build.
    static let week = SyntheticReport.week()

    @Test("A week at 10 s, 5 cohorts, 3 estimators renders small and fast (measured, printed)")
    func weekSizeAndTime() {
        let clock = ContinuousClock()
        var html = ""
        let elapsed = clock.measure { html = HTMLReport.render(Self.week) }
        let bytes = html.utf8.count
        print("report: \(Self.week.drift.map(\.count).reduce(0, +)) evaluations, rendered in \(elapsed), \(bytes) bytes, "
            + "\(svgFragments(html).count) plots")
        #expect(bytes <= 2 * 1024 * 1024, "the report is \(bytes) bytes, over 2 MB")
        // Speed targets are the benchmark's; this only catches a pathological slowdown.
        #expect(elapsed < .seconds(20))
    }

    @Test("The document and every plot parse as XML; every plot has a title, aria-label and both axis labels")
    func wellFormedPlotsWithLabels() throws {
        let html = HTMLReport.render(Self.week)
        let document = try XMLCheck.parse(html).get()
        let plots = svgFragments(html)
        #expect(plots.count == document.svgs.count)
        // p-values per cohort, scores per estimator, top-20 W1 per cohort, 3 histograms, 3 health, ROC, 4 rates, thresholds.
        #expect(plots.count == 5 + 3 + 5 + 3 + 3 + 1 + 4 + 1)
        for (fragment, svg) in zip(plots, document.svgs) {
            _ = try XMLCheck.parse(fragment).get()
            #expect(svg.attributes["role"] == "img")
            #expect(!(svg.attributes["aria-label"] ?? "").isEmpty)
            #expect(!svg.title.isEmpty && svg.title == svg.chartTitle, "\(svg.title)")
            #expect(!svg.xLabel.isEmpty && !svg.yLabel.isEmpty, "\(svg.title): x '\(svg.xLabel)', y '\(svg.yLabel)'")
            // Units: every axis label says them in parentheses, or is a category axis.
            for label in [svg.xLabel, svg.yLabel] where !["dimension", "cohort"].contains(label) {
                #expect(label.contains("(") && label.hasSuffix(")"), "\(svg.title): axis label '\(label)' has no unit")
            }
        }
        let pPlots = document.svgs.filter { $0.title.hasPrefix("p-values") }
        #expect(pPlots.count == 5 && pPlots.allSatisfy { $0.yLabel.contains("log scale") && $0.xLabel == "Time (UTC)" })
    }

    @Test("Self-contained: no script, no URL, no external resource; sections in order; deterministic")
    func selfContained() {
        let html = HTMLReport.render(Self.week)
        let lower = html.lowercased()
        for forbidden in ["<script", "http://", "https://", "src=", "href=", "@import", "url(", "onload", "javascript:"] {
            #expect(!lower.contains(forbidden), "the report contains \(forbidden)")
        }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("@media print"))
        let order = ["summary", "baselines", "drift", "embedding", "verification"].map { html.range(of: "<section id=\"\($0)\">")?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(zip(order, order.dropFirst()).allSatisfy { $0! < $1! })
        #expect(HTMLReport.render(Self.week) == html)
    }

    @Test("Long series are downsampled to ≤ 600 points per line, keeping the windows below the level")
    func downsampledLines() throws {
        let html = HTMLReport.render(Self.week)
        let paths = html.components(separatedBy: "class=\"series\" d=\"").dropFirst().map { $0.prefix { $0 != "\"" } }
        #expect(!paths.isEmpty)
        for d in paths { #expect(d.filter { $0 == "L" || $0 == "M" }.count <= 1200) }
        // The drifted cohort's last day is shaded below the level; the other cohorts only where a null
        // p-value fell under it (never: the null grid's smallest combined p is 3/201).
        let pChart = try #require(svgFragments(html).first { $0.contains("p-values, cohort us-web") })
        #expect(pChart.contains("class=\"bands\""))
        let quiet = try #require(svgFragments(html).first { $0.contains("p-values, cohort eu-web") })
        #expect(!quiet.contains("class=\"bands\""))
        #expect(quiet.contains("class=\"alert-firing\"") && quiet.contains("class=\"alert-resolved\""))
    }

    @Test("Without history or feedback the report says so and draws no axes")
    func emptyModel() throws {
        let model = ReportModel(model: "face-verify", generatedAtMs: SyntheticReport.start)
        let html = HTMLReport.render(model)
        _ = try XMLCheck.parse(html).get()
        #expect(!html.contains("<svg"))
        for sentence in [HTMLReport.NoData.history, HTMLReport.NoData.feedback, HTMLReport.NoData.baselines, HTMLReport.NoData.dimensions,
                         HTMLReport.NoData.projections, HTMLReport.NoData.health, HTMLReport.NoData.thresholds] {
            #expect(html.contains(sentence), "missing: \(sentence)")
        }
        let summary = try #require(section("summary", of: html))
        #expect(summary.contains(HTMLReport.NoData.history) && summary.contains(HTMLReport.NoData.feedback))
    }

    @Test("One baseline alone (`report --baseline ID`): provenance, and no-data sentences elsewhere")
    func baselineOnly() throws {
        var model = ReportModel(model: "face-verify", generatedAtMs: SyntheticReport.start)
        model.baselines = [SyntheticReport.week(seed: 1).baselines[0]]
        let html = HTMLReport.render(model)
        _ = try XMLCheck.parse(html).get()
        let baselines = try #require(section("baselines", of: html))
        #expect(baselines.contains("capture:events") && baselines.contains("<td>active</td>"))
        #expect(try #require(section("drift", of: html)).contains(HTMLReport.NoData.history))
        #expect(try #require(section("verification", of: html)).contains(HTMLReport.NoData.feedback))
    }

    @Test("History without feedback: drift plots, verification says there is no feedback")
    func historyWithoutFeedback() throws {
        var model = Self.week
        model.verification = []
        model.thresholdHistory = []
        let html = HTMLReport.render(model)
        let verification = try #require(section("verification", of: html))
        #expect(verification.contains(HTMLReport.NoData.feedback) && !verification.contains("<svg"))
        #expect(try #require(section("drift", of: html)).contains("<svg"))
    }

    @Test("User text is escaped everywhere: cohort <eu&\"mobile\">, a reason with markup, control characters")
    func escaping() throws {
        let hostile = "<eu&\"mobile\">"
        var model = SyntheticReport.week(seed: 7, cohorts: [hostile, "b'", "c", "d</svg>", "e\u{1}"])
        model.title = "report </title><script>alert(1)</script>"
        model.thresholdHistory[0].reason = "</td></table><script>alert(2)</script>"
        model.baselines[0].source = "import:/tmp/a&b<c>.npy"
        let html = HTMLReport.render(model)
        #expect(!html.lowercased().contains("<script"))
        #expect(html.contains("&lt;eu&amp;&quot;mobile&quot;&gt;"))
        let document = try XMLCheck.parse(html).get()
        #expect(document.svgs.count == svgFragments(html).count)
        for fragment in svgFragments(html) { _ = try XMLCheck.parse(fragment).get() }
        #expect(document.svgs.contains { $0.title == "p-values, cohort \(hostile)" })
    }
}

import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import DriftEstimators
import Reports

extension SplitMix64 {
    /// Uniform in (0, 1].
    mutating func unit() -> Double { nextUnit() }
}

/// Synthetic report models: a week of 10-second evaluations for 5 cohorts and 3 estimators, with
/// drift injected into one cohort on the last day, alerts, health, verification with ROC curves.
enum SyntheticReport {
    static let start: Int64 = 1_794_960_000_000  // 2026-11-18 00:00 UTC
    static let week: Int64 = 7 * 86_400_000
    static let step: Int64 = 10_000
    static let cohorts = ["eu-mobile", "eu-web", "us-mobile", "us-web", "apac"]
    static let estimators = ["sliced", "frechet", "gaussian_kl"]
    /// Where drift starts in the fourth cohort (`us-web`): the last day.
    static let driftStart = start + 6 * 86_400_000
    static let level = 0.001
    static let targetFar = 0.01

    /// The week-long model (≈ 60 480 evaluations per cohort); `names` (at least 4) overrides the cohorts.
    static func week(seed: UInt64 = 42, cohorts names: [String] = cohorts) -> ReportModel {
        var rng = SplitMix64(seed: seed)
        let n = Int(week / step)
        let times = (0 ..< n).map { start + Int64($0) * step }
        var drift: [ReportModel.DriftSeries] = [], health: [ReportModel.HealthSeries] = []
        for (c, cohort) in names.enumerated() {
            let drifted = c == 3
            var series = estimators.map { ReportModel.EstimatorSeries(name: $0, scores: [], pValues: []) }
            var combined: [Double] = []
            combined.reserveCapacity(n)
            for i in 0 ..< n {
                let shift = drifted && times[i] >= driftStart ? 1.0 : 0
                var minP = 1.0
                for e in series.indices {
                    let score = (Double(e) + 1) * (1 + 0.05 * rng.gaussian() + shift)
                    // Null p-values on the calibration grid (B = 200); under drift far below the level.
                    let p = shift > 0 ? 0.0003 * rng.unit() : (Double(Int(rng.unit() * 200)) + 1) / 201
                    series[e].scores.append(score)
                    series[e].pValues.append(p)
                    minP = min(minP, p)
                }
                combined.append(min(1, minP * Double(series.count)))
            }
            drift.append(.init(cohort: cohort, timesMs: times, estimators: series, combinedP: combined))
            var tv: [Double] = [], rank: [Double] = [], sim: [Double] = []
            for i in 0 ..< n {
                let shift = drifted && times[i] >= driftStart ? 1.0 : 0
                tv.append(12 + 0.3 * rng.gaussian() + 2 * shift)
                rank.append(180 + 3 * rng.gaussian() - 40 * shift)
                sim.append(0.70 + 0.01 * rng.gaussian() - 0.12 * shift)
            }
            health.append(.init(cohort: cohort, timesMs: times, totalVariance: tv, effectiveRank: rank, meanSimilarity: sim,
                                baseline: .init(totalVariance: 12, effectiveRank: 180, meanSimilarity: 0.70)))
        }
        let driftName = names[3]
        let alerts: [ReportModel.AlertMarker] = [
            .init(timeMs: start + 2 * 86_400_000, rule: "EmbeddingDrift", severity: "ticket", state: .firing, cohort: names[1]),
            .init(timeMs: start + 2 * 86_400_000 + 1_800_000, rule: "EmbeddingDrift", severity: "ticket", state: .resolved, cohort: names[1]),
            .init(timeMs: driftStart + 600_000, rule: "EmbeddingDrift", severity: "page", state: .firing, cohort: driftName),
            .init(timeMs: start + 4 * 86_400_000, rule: "FARAboveTarget", severity: "ticket", state: .firing, cohort: names[0]),
        ]
        var rng2 = SplitMix64(seed: seed &+ 1)
        let verification = names.enumerated().map { c, cohort in
            verificationFor(cohort, farHits: c == 0 ? 36 : 8 + c, rng: &rng2)
        }
        let w1 = names.map { cohort in
            ReportModel.DimensionW1(cohort: cohort, timeMs: start + week, w1: (0 ..< 256).map { j in
                0.01 + 0.002 * abs(rng.gaussian()) + (cohort == driftName && j % 37 == 0 ? 0.08 : 0)
            })
        }
        let edges = (0 ... 32).map { -4 + Double($0) * 0.25 }
        let projections = [17, 63, 101].map { p in
            ReportModel.ProjectionHistogram(cohort: driftName, label: "projection \(p)", binEdges: edges,
                                            baseline: (0 ..< 32).map { Int(2000 * exp(-pow((Double($0) - 16) / 5, 2))) },
                                            current: (0 ..< 32).map { Int(1000 * exp(-pow((Double($0) - 20) / 5, 2))) }, score: 0.8)
        }
        let thresholds: [ReportModel.ThresholdChange] = [
            .init(timeMs: start + 3_600_000, cohort: names[0], from: nil, to: 0.7, version: 1, status: .applied, method: "manual",
                  reason: "initial"),
            .init(timeMs: start + 3 * 86_400_000, cohort: names[0], from: 0.7, to: 0.72, version: 2, status: .applied,
                  method: "target_far:0.01", reason: "FAR 1.8 % above target 1 % on 2000 impostors"),
            .init(timeMs: start + 5 * 86_400_000, cohort: names[2], from: 0.7, to: 0.69, version: 1, status: .proposed, method: "target_far:0.01",
                  reason: "dry run"),
        ]
        return ReportModel(
            model: "face-verify", generatedAtMs: start + week + 60_000, timeFromMs: start, timeToMs: start + week, level: level,
            targetFar: targetFar,
            baselines: [
                .init(id: 9, version: 2, status: .active, source: "capture:events", modelVersion: "v7", createdAtMs: start - 86_400_000,
                      createdBy: "ops", timeFromMs: start - 2 * 86_400_000, timeToMs: start - 86_400_000, n: 20_000, d: 256),
                .init(id: 12, version: 3, status: .candidate, source: "import:/var/lib/twinwatch/v8.npy", modelVersion: "v8",
                      createdAtMs: start + week - 3_600_000, n: 20_000, d: 256),
                .init(id: 4, version: 1, status: .retired, source: "import:/tmp/first.f32bin", modelVersion: "v6", n: 5_000, d: 256),
            ],
            candidateDrift: [.init(candidateId: 12, activeId: 9, estimators: [
                .init(name: "sliced", score: 0.31, pValue: 1.0 / 201), .init(name: "frechet", score: 4.2, pValue: 1.0 / 201),
                .init(name: "gaussian_kl", score: 9.9, pValue: 0.02),
            ], combinedP: 0.0003)],
            drift: drift, alerts: alerts, dimensionW1: w1, projections: projections, health: health, verification: verification,
            thresholdHistory: thresholds)
    }

    /// A cohort's verification from 2000 genuine and 2000 impostor scores; `farHits` impostors are
    /// accepted at threshold 0.7 (FAR = farHits / 2000).
    static func verificationFor(_ cohort: String, farHits: Int, rng: inout SplitMix64) -> ReportModel.CohortVerification {
        let genuine = (0 ..< 2000).map { _ in 0.82 + 0.08 * rng.gaussian() }.sorted(by: >)
        var impostor = (0 ..< 2000 - farHits).map { _ in min(0.699, 0.45 + 0.08 * rng.gaussian()) }
        impostor += (0 ..< farHits).map { _ in 0.7 + 0.05 * rng.unit() }
        impostor.sort(by: >)
        let tp = genuine.filter { $0 >= 0.7 }.count, fn = 2000 - tp, fp = farHits, tn = 2000 - farHits
        // ROC: merge both sorted lists, highest score first.
        var fpr = [0.0], tpr = [0.0], g = 0, i = 0
        while g < genuine.count || i < impostor.count {
            if i == impostor.count || (g < genuine.count && genuine[g] >= impostor[i]) { g += 1 } else { i += 1 }
            fpr.append(Double(i) / 2000)
            tpr.append(Double(g) / 2000)
        }
        let k = fpr.indices.first { fpr[$0] >= 1 - tpr[$0] } ?? 0
        let eer = (fpr[k] + 1 - tpr[k]) / 2
        return .init(cohort: cohort, threshold: 0.7, counts: .init(tp: tp, fn: fn, fp: fp, tn: tn),
                     far: wilson(fp, fp + tn), frr: wilson(fn, fn + tp), recall: wilson(tp, tp + fn), precision: wilson(tp, tp + fp),
                     eer: eer, eerThreshold: 0.66, roc: .init(fpr: fpr, tpr: tpr))
    }

    /// Wilson 95 % interval, textbook form.
    static func wilson(_ k: Int, _ n: Int) -> ReportModel.Rate {
        let z = 1.959963984540054, p = Double(k) / Double(n), nd = Double(n), z2 = z * z
        let center = (p + z2 / (2 * nd)) / (1 + z2 / nd), half = z * (p * (1 - p) / nd + z2 / (4 * nd * nd)).squareRoot() / (1 + z2 / nd)
        return .init(value: p, lower: max(0, center - half), upper: min(1, center + half))
    }
}

/// Well-formedness and structure checks with Foundation's XML parser.
final class XMLCheck: NSObject, XMLParserDelegate {
    /// One parsed `<svg>`: its attributes, its `<title>`, and the text of its axis labels.
    struct SVG {
        var attributes: [String: String] = [:]
        var title = ""
        var xLabel = ""
        var yLabel = ""
        var chartTitle = ""
    }

    private(set) var svgs: [SVG] = []
    private(set) var elementCount = 0
    private var capture: String?  // which text we are inside
    private var depth = 0, svgDepth: Int?

    /// Parses `markup`; returns the checker, or the parser's error message.
    static func parse(_ markup: String) -> Result<XMLCheck, XMLParseFailure> {
        let check = XMLCheck()
        let parser = XMLParser(data: Data(markup.utf8))
        parser.delegate = check
        guard parser.parse() else {
            return .failure(XMLParseFailure(message: "line \(parser.lineNumber) col \(parser.columnNumber): "
                + "\(parser.parserError.map { "\($0)" } ?? "unknown error")"))
        }
        return .success(check)
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        depth += 1
        elementCount += 1
        if name == "svg" {
            svgs.append(SVG(attributes: attributes))
            svgDepth = depth
        } else if svgDepth != nil {
            if name == "title", depth == svgDepth! + 1 { capture = "title" }
            switch attributes["class"] {
            case "x-label": capture = "x"
            case "y-label": capture = "y"
            case "chart-title": capture = "chart"
            default: break
            }
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard let capture, !svgs.isEmpty else { return }
        switch capture {
        case "title": svgs[svgs.count - 1].title += string
        case "x": svgs[svgs.count - 1].xLabel += string
        case "y": svgs[svgs.count - 1].yLabel += string
        default: svgs[svgs.count - 1].chartTitle += string
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        capture = nil
        if name == "svg" { svgDepth = nil }
        depth -= 1
    }
}

struct XMLParseFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// The `<svg>…</svg>` fragments of a document, in order.
func svgFragments(_ html: String) -> [String] {
    var out: [String] = [], rest = html[...]
    while let open = rest.range(of: "<svg"), let close = rest.range(of: "</svg>", range: open.upperBound ..< rest.endIndex) {
        out.append(String(rest[open.lowerBound ..< close.upperBound]))
        rest = rest[close.upperBound...]
    }
    return out
}

/// The markup of `<section id="id">…</section>`.
func section(_ id: String, of html: String) -> String? {
    guard let open = html.range(of: "<section id=\"\(id)\">"),
          let close = html.range(of: "</section>", range: open.upperBound ..< html.endIndex) else { return nil }
    return String(html[open.lowerBound ..< close.upperBound])
}

@testable import DriftEstimators
import Testing
import TwinwatchCore

@Suite("Drift profile: per-dimension W1 and the most drifted directions' histograms")
struct DriftProfileTests {
    @Test("Histograms share bins over both samples, count every row once (outliers in the end bins), and a constant sample gets a unit range")
    func histogramBins() {
        let baseline = (0..<1000).map { Double($0) / 1000 }
        let current = ((0..<99).map { 0.5 + Double($0) / 1000 } + [1e9]).sorted()
        let h = BaselineSummary.histogram("dimension 0", w1: 0, baseline: baseline, current: current, bins: 10)
        #expect(h.edges.count == 11 && h.baseline.reduce(0, +) == 1000 && h.current.reduce(0, +) == 100)
        // The outlier does not stretch the range: the 99.5 % quantiles bound it.
        #expect(h.edges.last! < 2 && h.current.last! >= 1, "\(h.edges) \(h.current)")
        let flat = BaselineSummary.histogram("dimension 1", w1: 0, baseline: [2, 2, 2], current: [2, 2], bins: 4)
        #expect(flat.edges.first == 1.5 && flat.edges.last == 2.5 && flat.baseline.reduce(0, +) == 3 && flat.current.reduce(0, +) == 2)
    }

    @Test("The moved dimension comes first; W1 per histogram equals the estimator's; projections ordered by their W1")
    func profileOfAShift() throws {
        var rng = SplitMix64(seed: 9)
        func rows(_ n: Int, shift: Float) throws -> Matrix {
            try Matrix(rows: n, cols: 6, values: (0..<(n * 6)).map { i in Float(rng.gaussian()) + (i % 6 == 4 ? shift : 0) })
        }
        let summary = try BaselineSummary(baseline: try rows(2000, shift: 0), configuration: DriftConfiguration())
        let window = try rows(300, shift: 1)
        let scores = try summary.evaluate(window)
        let profile = try #require(summary.profile(window, scores: scores, top: 2, bins: 20))
        #expect(profile.normalized && profile.dimensionW1 == scores.w1!.normalized)
        #expect(profile.histograms.first?.label == "dimension 4" && profile.histograms.first?.w1 == scores.w1!.vector[4])
        let projections = profile.histograms.filter { $0.label.hasPrefix("projection") }
        #expect(projections.count == 2 && projections[0].w1 >= projections[1].w1)
        #expect(profile.histograms.allSatisfy { $0.current.reduce(0, +) == 300 && $0.baseline.reduce(0, +) == 2000 })
    }
}

import AlertQuality
import DriftEstimators
import Foundation
import Testing

/// The eval generator: the mixture's shape, each scenario's perturbation, the Wilson interval.
@Suite struct ScenarioTests {
    @Test func mixtureRowsAreUnitNormAndSeeded() {
        let mixture = EmbeddingMixture(dimension: 16, seed: 3)
        var a = SplitMix64(seed: 1), b = SplitMix64(seed: 1)
        let x = mixture.sample(500, rng: &a)
        #expect(x == mixture.sample(500, rng: &b))
        for i in 0..<x.rows {
            let norm = (0..<16).reduce(0.0) { $0 + Double(x.values[i * 16 + $1]) * Double(x.values[i * 16 + $1]) }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    @Test func scenariosPerturbAsDescribed() throws {
        let d = 32
        let mixture = EmbeddingMixture(dimension: d, seed: 5)
        var rng = SplitMix64(seed: 9)
        let x = mixture.sample(4000, rng: &rng)
        #expect(DriftScenario.none.apply(to: x, parameter: nil, mixture: mixture, rng: &rng) == x)
        // mean_shift: every row moves by the same vector of norm 0.05.
        let shifted = DriftScenario.meanShift.apply(to: x, parameter: 0.05, mixture: mixture, rng: &rng)
        let delta = (0..<d).map { Double(shifted.values[$0] - x.values[$0]) }
        #expect(abs(delta.reduce(0) { $0 + $1 * $1 }.squareRoot() - 0.05) < 1e-6)
        // cov_scale: spread around the mean grows by 1.2.
        let scaled = DriftScenario.covScale.apply(to: x, parameter: 1.2, mixture: mixture, rng: &rng)
        #expect(abs(spread(scaled) / spread(x) - 1.2) < 1e-4)
        // dim_corrupt: exactly one column becomes the constant.
        let corrupt = DriftScenario.dimCorrupt.apply(to: x, parameter: 0, mixture: mixture, rng: &rng)
        let constant = (0..<d).filter { j in (0..<corrupt.rows).allSatisfy { corrupt.values[$0 * d + j] == 0 } }
        #expect(constant.count == 1)
        // new_cluster: 10 % of the rows replaced, the rest untouched.
        let clustered = DriftScenario.newCluster.apply(to: x, parameter: 0.1, mixture: mixture, rng: &rng)
        let changed = (0..<x.rows).filter { i in (0..<d).contains { clustered.values[i * d + $0] != x.values[i * d + $0] } }
        #expect(changed.count == 400)
        // dim_collapse: the spread shrinks; rows stay unit norm.
        let collapsed = DriftScenario.dimCollapse.apply(to: x, parameter: 0.25, mixture: mixture, rng: &rng)
        #expect(spread(collapsed) < 0.9 * spread(x))
        // heavy_tail: small noise on every coordinate.
        let heavy = DriftScenario.heavyTail.apply(to: x, parameter: 0.01, mixture: mixture, rng: &rng)
        #expect(zip(heavy.values, x.values).filter { $0 != $1 }.count > x.values.count * 9 / 10)
    }

    @Test func scenarioListParses() throws {
        #expect(try DriftScenario.parseList("all").count == 7)
        let list = try DriftScenario.parseList("none,mean_shift:0.1")
        #expect(list.count == 2 && list[1].0 == .meanShift && list[1].1 == 0.1)
        #expect(throws: ScenarioError.self) { try DriftScenario.parseList("drift") }
    }

    @Test func wilsonInterval() {
        // Reference values (the closed form, Wilson 1927, evaluated in Python).
        let (lo, hi) = Wilson.interval(successes: 2, trials: 200)
        #expect(abs(lo - 0.0027467) < 1e-6 && abs(hi - 0.0357218) < 1e-6)
        let (lo0, hi0) = Wilson.interval(successes: 0, trials: 200)
        #expect(lo0 == 0 && abs(hi0 - 0.018845) < 1e-5)
    }

    /// Mean distance of the rows from their mean.
    private func spread(_ m: Matrix) -> Double {
        let d = m.cols
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<m.rows { for j in 0..<d { mean[j] += Double(m.values[i * d + j]) / Double(m.rows) } }
        var total = 0.0
        for i in 0..<m.rows { total += (0..<d).reduce(0.0) { $0 + pow(Double(m.values[i * d + $1]) - mean[$1], 2) }.squareRoot() }
        return total / Double(m.rows)
    }
}

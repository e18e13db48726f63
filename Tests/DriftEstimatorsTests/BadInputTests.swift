import Foundation
import Testing
@testable import DriftEstimators
import TwinwatchCore

@Suite struct BadInputTests {
    static func sample(_ n: Int, _ d: Int, seed: UInt64 = 5) -> Matrix {
        var g = Gaussian(seed: seed)
        return g.matrix(rows: n, cols: d)
    }

    @Test func dimensionMismatch() throws {
        let error = try #require(throws: EstimatorError.self) { try Drift.compare(baseline: Self.sample(20, 3), current: Self.sample(20, 4)) }
        #expect(error.code == .shapeMismatch)
        let summary = try BaselineSummary(baseline: Self.sample(20, 3))
        #expect(throws: EstimatorError.self) { try summary.evaluate(Self.sample(20, 5)) }
        #expect(throws: EstimatorError.self) { try Wasserstein.perDimensionW1(baseline: SortedColumns(Self.sample(5, 3)), current: Self.sample(5, 2)) }
    }

    @Test func tooFewRows() throws {
        for (n, m) in [(1, 10), (10, 1), (0, 10)] {
            let error = try #require(throws: EstimatorError.self) {
                try Drift.compare(baseline: Self.sample(n, 3), current: Self.sample(m, 3), configuration: DriftConfiguration(estimators: [.w1, .frechet]))
            }
            #expect(error.code == .tooFewRows)
        }
        // kNN needs more rows than k.
        let error = try #require(throws: EstimatorError.self) {
            try Drift.compare(baseline: Self.sample(4, 3), current: Self.sample(10, 3), configuration: DriftConfiguration(estimators: [.knnKL]))
        }
        #expect(error.code == .tooFewRows)
    }

    @Test func nonFiniteNamesRowAndColumn() throws {
        var y = Self.sample(10, 4)
        y.values[2 * 4 + 3] = .nan
        let error = try #require(throws: EstimatorError.self) { try Drift.compare(baseline: Self.sample(10, 4), current: y) }
        #expect(error.code == .nonFinite)
        #expect(error.message.contains("row 2") && error.message.contains("column 3"), "\(error)")
        var x = Self.sample(10, 4)
        x.values[7 * 4 + 1] = -.infinity
        let e2 = try #require(throws: EstimatorError.self) { try BaselineSummary(baseline: x) }
        #expect(e2.code == .nonFinite && e2.message.contains("row 7") && e2.message.contains("column 1"))
    }

    /// Every non-finite value is found at every position — in the four-lane part and the tail —
    /// and no finite one is refused: the largest magnitudes, −0 and subnormals pass.
    @Test func finiteCheckAtEveryPosition() throws {
        let finite: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, -0.0, .leastNonzeroMagnitude, 1, -1, 0.5]
        try Matrix(rows: 1, cols: finite.count, values: finite).requireFinite()
        for bad: Float in [.nan, -.nan, .infinity, -.infinity, .signalingNaN] {
            for i in 0..<finite.count {
                var values = finite
                values[i] = bad
                let error = try #require(throws: EstimatorError.self) { try Matrix(rows: 1, cols: finite.count, values: values).requireFinite() }
                #expect(error.code == .nonFinite && error.message.contains("column \(i)"), "\(bad) at \(i): \(error)")
            }
        }
    }

    /// Constant baseline column: documented behaviour (value == constant → bin 0, else bin B−1).
    @Test func constantColumns() throws {
        var x = Self.sample(50, 3), y = Self.sample(50, 3, seed: 6)
        for r in 0..<50 { x.values[r * 3] = 0.5 }
        var same = y
        for r in 0..<50 { same.values[r * 3] = 0.5 }
        let config = DriftConfiguration(estimators: [.histKL, .w1, .frechet, .gaussianKL, .sliced, .knnKL, .health])
        let s1 = try Drift.compare(baseline: x, current: same, configuration: config)
        #expect(s1.histKLDims!.baseCur[0] == 0 && s1.histKLDims!.curBase[0] == 0)
        #expect(s1.w1!.normalized[0] == 0)
        let s2 = try Drift.compare(baseline: x, current: y, configuration: config)
        #expect(s2.histKLDims!.baseCur[0] > 1 && s2.histKLDims!.baseCur[0].isFinite)
        #expect(s2.w1!.normalized[0].isFinite && s2.w1!.normalized[0] > 1e6)
        // The histogram-only path bins without sorting: same defined behaviour.
        let histOnly = try Drift.compare(baseline: x, current: y, configuration: DriftConfiguration(estimators: [.histKL]))
        #expect(histOnly.histKLDims == s2.histKLDims)
        for s in [s1, s2] {
            // Singular baseline covariance: the ridge keeps Gaussian KL finite; Fréchet clamps.
            #expect(s.frechet!.isFinite && s.gaussianKL!.fullBaseCur.isFinite && s.gaussianKL!.fullCurBase.isFinite)
            #expect(s.sliced!.sw2.isFinite && s.knnKL!.baseCur.allSatisfy(\.isFinite))
        }
    }

    @Test func singularWithoutRidgeIsTypedError() throws {
        var x = Self.sample(30, 3)
        for r in 0..<30 { x.values[r * 3 + 2] = x.values[r * 3] } // two identical columns
        let error = try #require(throws: EstimatorError.self) {
            try BaselineSummary(baseline: x, configuration: DriftConfiguration(estimators: [.gaussianKL], ridge: 0))
        }
        #expect(error.code == .numerical)
        let ok = try Drift.compare(baseline: x, current: Self.sample(30, 3, seed: 8), configuration: DriftConfiguration(estimators: [.gaussianKL, .frechet]))
        #expect(ok.gaussianKL!.fullBaseCur.isFinite && ok.frechet!.isFinite)
    }

    @Test func duplicateRowsKeepKNNFinite() throws {
        let x = try Matrix(rows: 8, cols: 2, values: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3])
        let s = try Drift.compare(baseline: x, current: Self.sample(8, 2), configuration: DriftConfiguration(estimators: [.knnKL], knnKs: [1]))
        #expect(s.knnKL!.baseCur.allSatisfy(\.isFinite) && s.knnKL!.curBase.allSatisfy(\.isFinite))
    }

    @Test func unknownEstimatorName() throws {
        #expect(try DriftEstimatorKind.parseList("w1, sliced") == [.w1, .sliced])
        #expect(try DriftEstimatorKind.parseList("all").count == DriftEstimatorKind.allCases.count)
        #expect(throws: EstimatorError.self) { try DriftEstimatorKind.parseList("w1,bogus") }
    }
}

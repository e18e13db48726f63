import Foundation
import Testing
@testable import DriftEstimators

/// Each estimator against the naive reference on small random inputs (several seeds and shapes).
@Suite struct NaiveComparisonTests {
    /// Random (baseline, current) pairs of unequal sizes with a little drift.
    static func pair(seed: UInt64, n: Int, m: Int, d: Int) -> (Matrix, Matrix) {
        var g = Gaussian(seed: seed)
        let scale = (0..<d).map { 0.5 + Double($0 % 3) * 0.4 }
        let x = g.matrix(rows: n, cols: d, scale: scale)
        let y = g.matrix(rows: m, cols: d, scale: scale.map { $0 * 1.1 }, shift: (0..<d).map { Double($0) * 0.05 })
        return (x, y)
    }

    static let shapes: [(UInt64, Int, Int, Int)] = [(1, 23, 17, 3), (2, 40, 40, 4), (3, 31, 12, 5)]

    @Test(arguments: 0..<3)
    func perDimensionW1(_ index: Int) throws {
        let (seed, n, m, d) = Self.shapes[index]
        let (x, y) = Self.pair(seed: seed, n: n, m: m, d: d)
        let got = try Wasserstein.perDimensionW1(baseline: SortedColumns(x), current: y)
        for j in 0..<d {
            let want = Naive.w1(Naive.column(x, j), Naive.column(y, j))
            #expect(close(got.vector[j], want, rel: 1e-12), "dim \(j): \(got.vector[j]) vs \(want)")
            let sd = Naive.column(x, j).standardDeviation
            #expect(close(got.normalized[j], want / sd, rel: 1e-10))
        }
    }

    @Test(arguments: 0..<3)
    func slicedWasserstein(_ index: Int) throws {
        let (seed, n, m, d) = Self.shapes[index]
        let (x, y) = Self.pair(seed: seed, n: n, m: m, d: d)
        let l = 7
        let config = DriftConfiguration(estimators: [.sliced], projections: l)
        let got = try XCTUnwrapSliced(Drift.compare(baseline: x, current: y, configuration: config))
        let theta = PortableProjections.matrix(dimensions: d, count: l, seed: 42)
        let px = Naive.project(x, theta, l), py = Naive.project(y, theta, l)
        let w1 = (0..<l).map { Naive.wpPower(px[$0], py[$0], p: 1) }.reduce(0, +) / Double(l)
        let w2 = ((0..<l).map { Naive.wpPower(px[$0], py[$0], p: 2) }.reduce(0, +) / Double(l)).squareRoot()
        #expect(close(got.sw1, w1, rel: 1e-11), "SW1 \(got.sw1) vs \(w1)")
        #expect(close(got.sw2, w2, rel: 1e-11), "SW2 \(got.sw2) vs \(w2)")
        // SW1 through the quantile integral equals the CDF-integral W1 in 1-D.
        #expect(close(Naive.wpPower(px[0], py[0], p: 1), Naive.w1(px[0], py[0]), rel: 1e-11))
    }

    private func XCTUnwrapSliced(_ s: DriftScores) throws -> SlicedWasserstein { try #require(s.sliced) }

    @Test(arguments: 0..<3)
    func frechetAndGaussian(_ index: Int) throws {
        let (seed, n, m, d) = Self.shapes[index]
        let (x, y) = Self.pair(seed: seed, n: n, m: m, d: d)
        let s = try Drift.compare(baseline: x, current: y, configuration: DriftConfiguration(estimators: [.frechet, .gaussianKL]))
        let f = Naive.frechet(x, y)
        #expect(close(try #require(s.frechet), f, rel: 1e-9), "frechet \(s.frechet!) vs \(f)")
        let g = try #require(s.gaussianKL)
        let bc = Naive.gaussianKL(x, y, ridge: 1e-6), cb = Naive.gaussianKL(y, x, ridge: 1e-6)
        #expect(close(g.fullBaseCur, bc.full, rel: 1e-10))
        #expect(close(g.fullCurBase, cb.full, rel: 1e-10))
        #expect(close(g.diagBaseCur, bc.diag, rel: 1e-12))
        #expect(close(g.diagCurBase, cb.diag, rel: 1e-12))
        let mo = try Moments(x)
        let naiveCov = Naive.covariance(x)
        for i in 0..<d { for j in 0..<d { #expect(close(mo.covariance[i * d + j], naiveCov[i][j], rel: 1e-12, abs: 1e-15)) } }
    }

    @Test(arguments: 0..<3)
    func histogramKL(_ index: Int) throws {
        let (seed, n, m, d) = Self.shapes[index]
        let (x, y) = Self.pair(seed: seed, n: n, m: m, d: d)
        let bins = 6
        let s = try Drift.compare(baseline: x, current: y, configuration: DriftConfiguration(estimators: [.histKL], projections: 5, bins: bins))
        let dims = try #require(s.histKLDims), proj = try #require(s.histKLProj)
        for j in 0..<d {
            let (a, b) = Naive.histKL(Naive.column(x, j), Naive.column(y, j), bins: bins)
            #expect(close(dims.baseCur[j], a, rel: 1e-12) && close(dims.curBase[j], b, rel: 1e-12))
        }
        let theta = PortableProjections.matrix(dimensions: d, count: 5, seed: 42)
        let px = Naive.project(x, theta, 5), py = Naive.project(y, theta, 5)
        for l in 0..<5 {
            let (a, b) = Naive.histKL(px[l], py[l], bins: bins)
            #expect(close(proj.baseCur[l], a, rel: 1e-12) && close(proj.curBase[l], b, rel: 1e-12))
        }
    }

    @Test(arguments: 0..<3)
    func knnKL(_ index: Int) throws {
        let (seed, n, m, d) = Self.shapes[index]
        let (x, y) = Self.pair(seed: seed, n: n, m: m, d: d)
        let s = try Drift.compare(baseline: x, current: y, configuration: DriftConfiguration(estimators: [.knnKL], knnKs: [1, 3]))
        let k = try #require(s.knnKL)
        for (idx, kk) in [1, 3].enumerated() {
            #expect(close(k.baseCur[idx], Naive.knnKL(x, y, k: kk), rel: 1e-10))
            #expect(close(k.curBase[idx], Naive.knnKL(y, x, k: kk), rel: 1e-10))
        }
    }

    @Test func healthSignals() throws {
        var (x, _) = Self.pair(seed: 9, n: 30, m: 2, d: 4)
        let h = HealthSignals(x)
        #expect(close(h.meanPairwiseCosine, Naive.meanPairwiseCosine(x), rel: 1e-11))
        let cov = Naive.covariance(x)
        #expect(close(h.totalVariance, (0..<4).reduce(0.0) { $0 + cov[$1][$1] }, rel: 1e-12))
        #expect(h.effectiveRank > 1 && h.effectiveRank <= 4)
        #expect(h.nanRate == 0 && h.zeroVectorRate == 0)
        // Rank-1 data has effective rank 1; NaN and zero rows are counted.
        x.values.replaceSubrange(0..<4, with: [.nan, 0, 0, 0])
        x.values.replaceSubrange(4..<8, with: [0, 0, 0, 0])
        let h2 = HealthSignals(x)
        #expect(h2.nanRate == 1.0 / 30 && h2.zeroVectorRate == 1.0 / 30)
        #expect(h2.totalVariance.isFinite && h2.meanPairwiseCosine.isFinite)
        let line = try Matrix(rows: 10, cols: 3, values: (0..<10).flatMap { i in [Float(i), Float(2 * i), Float(-i)] })
        #expect(abs(HealthSignals(line).effectiveRank - 1) < 1e-9)
    }

    @Test func scoreShift() throws {
        let s = try ScoreShift(baselineMean: 0.8, current: [0.7, 0.74, .nan])
        #expect(abs(s.currentMean - 0.72) < 1e-12 && abs(s.relativeChange + 0.1) < 1e-12)
        #expect(throws: EstimatorError.self) { try ScoreShift(baselineMean: 0.8, current: []) }
    }
}

extension Array where Element == Double {
    var standardDeviation: Double {
        let mu = reduce(0, +) / Double(count)
        return (reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(count)).squareRoot()
    }
}

/// The radix sort every build uses, against the standard library sort.
@Suite struct SortTests {
    @Test(arguments: [1, 2, 17, 1000, 5000])
    func radixSortMatchesSorted(_ n: Int) throws {
        var g = Gaussian(seed: UInt64(n))
        var doubles = (0..<(3 * n)).map { i -> Double in
            let v = g.next() * pow(10, Double(i % 7) - 3)
            return i % 11 == 0 ? -0.0 : (i % 13 == 0 ? Double(Float(v)) : v)  // zeros and float-equal ties
        }
        if n > 2 { doubles[1] = doubles[2] }
        let want = (0..<3).flatMap { s in doubles[(s * n)..<((s + 1) * n)].sorted() }
        doubles.withUnsafeMutableBufferPointer { RadixSort.sortSegments($0, count: 3, length: n) }
        #expect(doubles == want)
        let m = try Matrix(rows: n, cols: 3, values: (0..<(3 * n)).map { _ in Float(g.next()) })
        let cols = RadixSort.sortedColumns(m)
        for j in 0..<3 { #expect(Array(cols[(j * n)..<((j + 1) * n)]) == Naive.column(m, j).sorted()) }
        #expect(Numerics.sortedColumns(m) == cols)
    }

    /// Thousands of distinct values closer together than the two-digit float key can tell apart
    /// exceed the insertion budget: the three-digit retry must still sort them exactly.
    @Test func radixSortOfPackedValues() throws {
        let n = 4000
        var g = Gaussian(seed: 99)
        var doubles = (0..<n).map { _ in 0.5 + 1e-7 * g.next() }
        let want = doubles.sorted()
        doubles.withUnsafeMutableBufferPointer { RadixSort.sortSegments($0, count: 1, length: n) }
        #expect(doubles == want)
    }

    /// Ranges with no usable linear key (overflowing or subnormal width) take the float-key sort.
    @Test func radixSortOfExtremeRanges() throws {
        for values in [[1e308, -1e308, 0, 5e307, -3e307], [5e-324, 0, 1e-323, 5e-324, 0]] {
            var doubles = values
            doubles.withUnsafeMutableBufferPointer { RadixSort.sortSegments($0, count: 1, length: values.count) }
            #expect(doubles == values.sorted())
        }
    }
}

/// The float-ranked kNN search must return exactly what the all-Double search returns.
@Suite struct KNNSearchTests {
    @Test(arguments: [(UInt64(1), 300, 200, 8), (2, 64, 500, 3), (3, 257, 257, 40)])
    func floatRankingIsExact(seed: UInt64, n: Int, m: Int, d: Int) throws {
        var g = Gaussian(seed: seed)
        var x = g.matrix(rows: n, cols: d).widened()
        let y = g.matrix(rows: m, cols: d).widened()
        // Duplicates and near-ties force the fallback path.
        for c in 0..<d { x[5 * d + c] = x[7 * d + c]; x[9 * d + c] = x[7 * d + c] + (c == 0 ? 1e-7 : 0) }
        let xn = KNN.squaredNorms(x, rows: n, dimensions: d), yn = KNN.squaredNorms(y, rows: m, dimensions: d)
        for k in [1, 5] {
            let w1 = KNNSearch.within(x, norms: xn, rows: n, dimensions: d, k: k)
            let w2 = KNN.selfNearest(x, norms: xn, rows: n, dimensions: d, k: k)
            #expect(zip(w1, w2).allSatisfy { abs($0 - $1) <= 1e-12 * max($1, 1e-300) || ($0 == $1) })
            let fast = KNNSearch.cross(x, xn, n, y, yn, m, d, k: k)
            let slow = KNN.crossNearest(x, xn, n, y, yn, m, d, k: k)
            let relA = zip(fast.0, slow.0).map { abs($0 - $1) / max($1, 1e-300) }.max()!
            let relB = zip(fast.1, slow.1).map { abs($0 - $1) / max($1, 1e-300) }.max()!
            // Same neighbours; distances differ only by the order of the Double dot product.
            #expect(relA < 1e-12 && relB < 1e-12, "k=\(k): \(relA) \(relB)")
        }
    }
}

import Testing
@testable import DriftEstimators

/// The multiply-and-shift binning must give ref.py's clamp(⌊(x − lo)/(hi − lo)·B⌋, 0, B − 1)
/// exactly, including on and next to every edge, where it defers to the reference expression.
@Suite struct HistogramBinTests {
    @Test func edgesAndNeighbours() throws {
        let bins = 32
        let lo: Float = -0.75, hi: Float = 1.3
        var values: [Float] = [-3, 3]
        for k in 0...bins {
            let edge = Float(Double(lo) + Double(hi - lo) * Double(k) / Double(bins))
            values += [edge.nextDown, edge, edge.nextUp]
        }
        let reference = HistogramReference(columnMajor: [Double(lo), Double(hi)], rows: 2, columns: 1, bins: bins)
        var want = [Int](repeating: 0, count: bins)
        for v in values {
            let e = (Double(v) - Double(lo)) / (Double(hi) - Double(lo)) * Double(bins)
            want[e < 1 ? 0 : (e >= Double(bins) ? bins - 1 : Int(e))] += 1
        }
        let window = try Matrix(rows: values.count, cols: 1, values: values)
        #expect(reference.counts(ofRowMajor: window) == want)
        #expect(reference.counts(ofColumnMajor: values.map(Double.init), rows: values.count) == want)
        #expect(reference.counts(ofSortedColumnMajor: values.map(Double.init).sorted(), rows: values.count) == want)
    }

    /// Counting sorted columns by binary search must equal binning every value: random columns
    /// with values beyond the baseline's range, exact edges, ties, a constant baseline column, B = 1.
    @Test(arguments: [1, 2, 7, 32])
    func sortedCountsEqualBinnedCounts(bins: Int) throws {
        var g = Gaussian(seed: UInt64(bins))
        let rows = 500, columns = 4
        var baseline = (0..<(rows * columns)).map { _ in g.next() }
        for i in 0..<rows { baseline[3 * rows + i] = 0.25 }  // constant column 3
        let reference = HistogramReference(columnMajor: baseline, rows: rows, columns: columns, bins: bins)
        var window = [Double]()
        for j in 0..<columns {
            var column = (0..<rows).map { i in i % 9 == 0 ? Double(Float(g.next() * 1.5)) : g.next() * 1.5 }
            let a = reference.lo[j], w = reference.hi[j] - a
            for k in 0...bins where k < rows { column[k] = a + w * Double(k) / Double(bins) }  // edges
            column[rows - 1] = column[rows - 2]  // a tie
            if j == 3 { column[0] = 0.25; column[1] = -1; column[2] = 2 }
            window += column.sorted()
        }
        #expect(reference.counts(ofSortedColumnMajor: window, rows: rows) == reference.counts(ofColumnMajor: window, rows: rows))
    }
}

import Foundation
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

    /// Binning rows straight from Float must equal binning the widened columns, on random data with
    /// values past both ends, exact edges and a constant baseline column.
    @Test func rowMajorCountsEqualColumnCounts() throws {
        var g = Gaussian(seed: 5)
        let rows = 3000, cols = 6, bins = 32
        var baseline = g.matrix(rows: rows, cols: cols)
        for r in 0..<rows { baseline.values[r * cols + 2] = 0.5 }  // constant column 2
        let reference = HistogramReference(columnMajor: Numerics.transposeWidened(baseline), rows: rows, columns: cols, bins: bins)
        var window = g.matrix(rows: rows, cols: cols, scale: [Double](repeating: 1.3, count: cols))
        for j in 0..<cols where reference.hi[j] > reference.lo[j] {
            for k in 0...bins {  // the Float nearest to every computed edge, and its neighbours
                let edge = Float(reference.lo[j] + (reference.hi[j] - reference.lo[j]) * Double(k) / Double(bins))
                for (t, v) in [edge.nextDown, edge, edge.nextUp].enumerated() { window.values[(3 * k + t) * cols + j] = v }
            }
        }
        window.values[2] = 0.5
        #expect(reference.counts(ofRowMajor: window) == reference.counts(ofColumnMajor: Numerics.transposeWidened(window), rows: rows))
    }

    /// Counting Float projections with the error bound and the Double fallback must equal binning
    /// the Double projections. Window rows are planted a few Float steps from every bin edge of
    /// every projection, where the Float projection often lands on the wrong side; projection 0
    /// reads a constant baseline column.
    @Test func projectionCountsEqualDoubleProjectionCounts() throws {
        var g = Gaussian(seed: 9)
        let rows = 4000, d = 6, l = 8, bins = 32
        var theta = [Double](repeating: 0, count: l * d)
        theta[0] = 1
        for j in 1..<l { theta[j * d] = cos(0.3 * Double(j)); theta[j * d + 1] = sin(0.3 * Double(j)) }
        var baseline = g.matrix(rows: rows, cols: d)
        for r in 0..<rows { baseline.values[r * d] = 0.25 }
        let projected = SlicedWasserstein.project(baseline.widened(), rows: rows, theta: theta, projections: l, dimensions: d)
        let reference = HistogramReference(columnMajor: projected, rows: rows, columns: l, bins: bins)
        var window = g.matrix(rows: rows, cols: d, scale: [Double](repeating: 1.2, count: d))
        var r = 0
        for j in 1..<l {
            for k in 1..<bins {
                let edge = HistogramReference.firstValue(ofBin: k, lo: reference.lo[j], hi: reference.hi[j], bins: bins)
                var x0 = Float(edge / theta[j * d])
                for _ in 0..<3 { x0 = x0.nextDown }
                for _ in 0..<7 {
                    for c in 0..<d { window.values[r * d + c] = c == 0 ? x0 : 0 }
                    x0 = x0.nextUp
                    r += 1
                }
            }
        }
        for i in r..<(r + 100) { window.values[i * d] = 0.25 }
        let exact = SlicedWasserstein.project(window.widened(), rows: rows, theta: theta, projections: l, dimensions: d)
        #expect(reference.counts(ofProjectionsOf: window, theta: theta) == reference.counts(ofColumnMajor: exact, rows: rows))
    }
}

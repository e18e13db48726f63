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
    }
}

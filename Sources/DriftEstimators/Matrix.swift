/// A dense row-major matrix of `Float` samples: `rows` observations of `cols` dimensions.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public var values: [Float]

    /// Wraps `values` (row-major, `rows * cols` long).
    public init(rows: Int, cols: Int, values: [Float]) throws(EstimatorError) {
        guard rows >= 0, cols > 0, values.count == rows * cols else {
            throw EstimatorError(.shapeMismatch, "matrix of \(rows)x\(cols) needs \(rows * cols) values, got \(values.count)")
        }
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    /// Value at row `r`, column `c`.
    @inlinable public subscript(r: Int, c: Int) -> Float { values[r * cols + c] }

    /// Column `c` widened to `Double`.
    public func column(_ c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: rows)
        values.withUnsafeBufferPointer { v in
            for r in 0..<rows { out[r] = Double(v[r * cols + c]) }
        }
        return out
    }
}

/// Input checks and small reshaping helpers shared by every estimator.
extension Matrix: Codable {
    private enum CodingKeys: String, CodingKey { case rows, cols, values }

    /// Decodes and re-validates the shape.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try c.decode(Int.self, forKey: .rows)
        let cols = try c.decode(Int.self, forKey: .cols)
        let values = try c.decode([Float].self, forKey: .values)
        try self.init(rows: rows, cols: cols, values: values)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(rows, forKey: .rows)
        try c.encode(cols, forKey: .cols)
        try c.encode(values, forKey: .values)
    }
}

extension Matrix {
    /// Throws `nonFinite` naming the first NaN/Inf cell (row and column, 0-based).
    public func requireFinite(_ context: String = "input") throws(EstimatorError) {
        let bad: Int? = values.withUnsafeBufferPointer { v in
            // Every window is checked before each evaluation, so without branches and in plain SSE2
            // integer operations (baseline x86-64 has no unsigned 32-bit max): NaN and ±Inf are
            // exactly the magnitudes |bits| ≥ 0x7F80_0000, and adding 0x0080_0000 to a magnitude
            // carries into bit 31 just for those. The index is searched for only when one is there.
            guard let base = v.baseAddress else { return nil }
            let raw = UnsafeRawPointer(base)
            let magnitude = SIMD4<UInt32>(repeating: 0x7FFF_FFFF), carry = SIMD4<UInt32>(repeating: 0x0080_0000)
            var lanes = SIMD4<UInt32>(repeating: 0)
            var i = 0
            while i + 4 <= v.count {
                lanes |= (raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<UInt32>.self) & magnitude) &+ carry
                i += 4
            }
            var flags = lanes[0] | lanes[1] | lanes[2] | lanes[3]
            while i < v.count { flags |= (v[i].bitPattern & 0x7FFF_FFFF) &+ 0x0080_0000; i += 1 }
            guard flags & 0x8000_0000 != 0 else { return nil }
            for i in 0..<v.count where !v[i].isFinite { return i }
            return nil
        }
        if let i = bad {
            throw EstimatorError(.nonFinite, "\(context): non-finite value \(values[i]) at row \(i / cols), column \(i % cols)")
        }
    }

    /// Checks what every two-sample estimator needs: finite values, ≥ 2 rows, `cols` dimensions.
    public func requireUsable(_ context: String, dimensions: Int? = nil, minRows: Int = 2) throws(EstimatorError) {
        if let d = dimensions, d != cols {
            throw EstimatorError(.shapeMismatch, "\(context): has \(cols) dimensions, expected \(d)")
        }
        guard rows >= minRows else {
            throw EstimatorError(.tooFewRows, "\(context): has \(rows) rows, needs at least \(minRows)")
        }
        try requireFinite(context)
    }

    /// The rows at `indices`, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var out = [Float](repeating: 0, count: indices.count * cols)
        values.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, r) in indices.enumerated() {
                    for c in 0..<cols { dst[k * cols + c] = src[r * cols + c] }
                }
            }
        }
        // Shape is consistent by construction.
        return try! Matrix(rows: indices.count, cols: cols, values: out)
    }

    /// The first `count` rows (all rows if fewer).
    public func prefix(rows count: Int) -> Matrix {
        let k = Swift.min(count, rows)
        return try! Matrix(rows: k, cols: cols, values: Array(values[0..<(k * cols)]))
    }

    /// Row-major values widened to `Double`.
    func widened() -> [Double] {
        [Double](unsafeUninitializedCapacity: values.count) { dst, initialized in
            values.withUnsafeBufferPointer { src in
                for i in 0..<src.count { dst[i] = Double(src[i]) }
            }
            initialized = values.count
        }
    }
}

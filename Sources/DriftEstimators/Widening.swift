/// Float → Double row kernels on explicit SIMD vectors. The package builds for baseline x86-64,
/// where the optimiser leaves the plain loops scalar (it cannot prove the Float source and the
/// Double destination apart); these run ≈ 2× faster and are exact (widening and one add/subtract).
enum Widening {
    /// `sums[c] += Σ_r src[r·cols + c]` over `rows` rows, each row added in order.
    static func addColumnSums(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into sums: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(sums)
        for r in 0..<rows {
            var c = 0
            while c + 4 <= cols {
                let v = widen(raw.loadUnaligned(fromByteOffset: (r * cols + c) * 4, as: SIMD4<Float>.self))
                out.storeBytes(of: out.loadUnaligned(fromByteOffset: c * 8, as: SIMD4<Double>.self) + v, toByteOffset: c * 8, as: SIMD4<Double>.self)
                c += 4
            }
            while c < cols { sums[c] += Double(src[r * cols + c]); c += 1 }
        }
    }

    /// `dst[r·cols + c] = Double(src[r·cols + c]) − mean[c]` for `rows` rows.
    static func centredRows(_ src: UnsafePointer<Float>, rows: Int, cols: Int, mean: UnsafePointer<Double>,
                            into dst: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(src), mu = UnsafeRawPointer(mean), out = UnsafeMutableRawPointer(dst)
        for r in 0..<rows {
            var c = 0
            while c + 4 <= cols {
                let v = widen(raw.loadUnaligned(fromByteOffset: (r * cols + c) * 4, as: SIMD4<Float>.self))
                out.storeBytes(of: v - mu.loadUnaligned(fromByteOffset: c * 8, as: SIMD4<Double>.self),
                               toByteOffset: (r * cols + c) * 8, as: SIMD4<Double>.self)
                c += 4
            }
            while c < cols { dst[r * cols + c] = Double(src[r * cols + c]) - mean[c]; c += 1 }
        }
    }

    /// `dst[i] = Double(src[i])` for `count` values.
    static func widen(_ src: UnsafePointer<Float>, count: Int, into dst: UnsafeMutablePointer<Double>) {
        let raw = UnsafeRawPointer(src), out = UnsafeMutableRawPointer(dst)
        var i = 0
        while i + 4 <= count {
            out.storeBytes(of: widen(raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)), toByteOffset: i * 8, as: SIMD4<Double>.self)
            i += 4
        }
        while i < count { dst[i] = Double(src[i]); i += 1 }
    }

    /// Σ x[c]² over one row in Float, in eight lanes: within a relative (count/8 + 8)·2⁻²⁴ of the
    /// exact sum, for callers that only need a bound (a row's tolerance) and not Double's accuracy.
    static func floatSquaredNorm(_ x: UnsafePointer<Float>, count: Int) -> Float {
        let raw = UnsafeRawPointer(x)
        var lanes = SIMD8<Float>(repeating: 0)
        var c = 0
        while c + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: c * 4, as: SIMD8<Float>.self)
            lanes += v * v
            c += 8
        }
        var s = lanes.sum()
        while c < count { s += x[c] * x[c]; c += 1 }
        return s
    }

    @inline(__always)
    static func widen(_ v: SIMD4<Float>) -> SIMD4<Double> {
        SIMD4(Double(v[0]), Double(v[1]), Double(v[2]), Double(v[3]))
    }
}

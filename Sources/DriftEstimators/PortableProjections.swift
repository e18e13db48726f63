import Foundation

/// SplitMix64 (DESIGN §5): the portable, bit-reproducible generator behind projections and resampling.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    /// Starts at `state₀ = seed`; the first output already adds the golden gamma.
    public init(seed: UInt64) { state = seed }

    /// Next 64-bit output (state += golden gamma, then the SplitMix64 mix).
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in (0, 1]: `((out >> 11) + 1)·2⁻⁵³`, never 0 so `log` stays finite.
    public mutating func nextUnit() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// A standard normal draw (Box–Muller on two portable uniforms; the sine half is dropped).
    public mutating func gaussian() -> Double {
        let u1 = nextUnit(), u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// The L×d projection matrix Θ of DESIGN §5.2 (unit rows), identical to `ref.py`'s `portable_projections`.
public enum PortableProjections {
    /// Θ row-major (`count` rows of `dimensions`), Float64.
    public static func matrix(dimensions d: Int, count l: Int, seed: UInt64 = 42) -> [Double] {
        let total = l * d
        let pairs = (total + 1) / 2
        var rng = SplitMix64(seed: seed)
        var g = [Double](repeating: 0, count: 2 * pairs)
        for j in 0..<pairs {
            let u1 = rng.nextUnit(), u2 = rng.nextUnit()
            // Same operation order as numpy: sqrt(-2.0*log(u1)), (2.0*pi)*u2.
            let rad = (-2.0 * log(u1)).squareRoot()
            let angle = 2.0 * Double.pi * u2
            g[2 * j] = rad * cos(angle)
            g[2 * j + 1] = rad * sin(angle)
        }
        var theta = Array(g[0..<total])
        for r in 0..<l {
            var squares = [Double](repeating: 0, count: d)
            for c in 0..<d { squares[c] = theta[r * d + c] * theta[r * d + c] }
            let norm = pairwiseSum(squares[...]).squareRoot()
            for c in 0..<d { theta[r * d + c] /= norm }
        }
        return theta
    }

    /// numpy's pairwise summation (`add.reduce` on a contiguous run), reproduced so the row
    /// norms — and hence Θ — are bit-identical to the Python reference.
    static func pairwiseSum(_ a: ArraySlice<Double>) -> Double {
        let n = a.count
        let base = a.startIndex
        if n < 8 {
            var s = -0.0
            for i in 0..<n { s += a[base + i] }
            return s
        } else if n <= 128 {
            var r = [Double](repeating: 0, count: 8)
            for k in 0..<8 { r[k] = a[base + k] }
            var i = 8
            while i < n - (n % 8) {
                for k in 0..<8 { r[k] += a[base + i + k] }
                i += 8
            }
            var s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n { s += a[base + i]; i += 1 }
            return s
        } else {
            var n2 = n / 2
            n2 -= n2 % 8
            return pairwiseSum(a[base..<(base + n2)]) + pairwiseSum(a[(base + n2)..<(base + n)])
        }
    }
}

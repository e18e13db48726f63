extension JSONScanner {
    /// The correctly rounded `Double` of mantissa × 10^-k for 2^53 < mantissa < 2^64 and 1 ≤ k ≤ 22,
    /// or nil when the value is too close to a rounding tie to decide here.
    ///
    /// Scores and latencies written from float64 (`json.dumps`, `Double.description`) carry up to
    /// 17 significant digits: beyond Clinger's exact fast path, so they went to `strtod` (~0.2 µs,
    /// a tenth of an `embedding_b64` event). Here the quotient is computed in double-double: the
    /// mantissa splits exactly into a 53-bit and an 11-bit part, the first division's remainder is
    /// exact by FMA, and the pair q1 + q2 is within 2⁻⁴⁰ ulp of the true quotient. Rounding the
    /// pair is then the correct rounding unless the pair lies within that error of a tie between
    /// two doubles — one number in ~10⁹ — which `strtod` decides.
    func longMantissaQuotient(_ mantissa: UInt64, powerOfTen k: Int) -> Double? {
        let divisor = pow10[k]
        let high = Double(mantissa & ~0x7FF), low = Double(mantissa & 0x7FF)
        let q1 = high / divisor
        let remainder = high.addingProduct(-q1, divisor)
        let q2 = (remainder + low) / divisor
        let sum = q1 + q2
        let residual = q2 - (sum - q1)  // exact (Fast2Sum: |q1| ≥ |q2|): q1 + q2 = sum + residual
        let gap = residual > 0 ? sum.nextUp - sum : sum - sum.nextDown
        let margin = gap * 0x1p-30
        guard abs(abs(residual) - gap / 2) > margin else { return nil }
        return sum
    }
}

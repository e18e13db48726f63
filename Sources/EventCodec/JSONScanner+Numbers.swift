#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact powers of ten as `Double`: 10^k for k ≤ 22 is exactly representable (5^22 < 2^53).
let exactPowersOfTen: [Double] = (0...22).map { k in
    var v = 1.0
    for _ in 0..<k { v *= 10 }
    return v
}

extension JSONScanner {
    /// Reads a JSON number as the correctly rounded `Double` (bit-identical to `Double(String)`).
    ///
    /// Fast path (Clinger): up to 19 significant digits accumulate in a `UInt64`; when that integer is
    /// ≤ 2^53 and the decimal exponent is within ±22, both operands are exact doubles, so one IEEE
    /// multiply or divide gives the correctly rounded result. Everything else (long mantissas, big
    /// exponents, subnormals) goes to `strtod`, which glibc rounds correctly.
    ///
    /// The non-JSON tokens `NaN`, `Infinity` and `-Infinity` (Python's `json.dumps` writes them) are
    /// returned as non-finite values, so that callers report them as `non_finite` rather than as
    /// unparseable: the producer meant a number.
    @inline(__always)
    mutating func number() throws(JSONScanError) -> Double {
        let start = pos
        var p = pos
        var negative = false
        if p < count && base[p] == UInt8(ascii: "-") {
            negative = true
            p += 1
        }
        guard p < count else { throw error(start == p ? "expected a number" : "truncated number", at: start) }
        var mantissa: UInt64 = 0
        var digits = 0
        var exp10 = 0
        var inexact = false
        var d = base[p] &- UInt8(ascii: "0")
        if d == 0 {
            p += 1
        } else if d <= 9 {
            repeat {
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                } else {
                    exp10 += 1
                    inexact = true
                }
                p += 1
                guard p < count else { break }
                d = base[p] &- UInt8(ascii: "0")
            } while d <= 9
        } else {
            return try nonNumericToken(at: start, negative: negative, p)
        }
        if p < count && base[p] == UInt8(ascii: ".") {
            p += 1
            let fractionStart = p
            while p < count {
                d = base[p] &- UInt8(ascii: "0")
                guard d <= 9 else { break }
                if mantissa == 0 && d == 0 {
                    exp10 -= 1  // leading zeros of 0.000123 are not significant digits
                } else if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    digits += 1
                    exp10 -= 1
                } else {
                    inexact = true
                }
                p += 1
            }
            guard p > fractionStart else { throw error("expected a digit after '.'", at: p) }
        }
        if p < count && (base[p] | 0x20) == UInt8(ascii: "e") {
            p += 1
            var expNegative = false
            if p < count && (base[p] == UInt8(ascii: "-") || base[p] == UInt8(ascii: "+")) {
                expNegative = base[p] == UInt8(ascii: "-")
                p += 1
            }
            let exponentStart = p
            var e = 0
            while p < count {
                d = base[p] &- UInt8(ascii: "0")
                guard d <= 9 else { break }
                if e < 100_000 { e = e * 10 + Int(d) }  // saturate: beyond ±1e5 the value is 0 or ∞ anyway
                p += 1
            }
            guard p > exponentStart else { throw error("expected a digit in the exponent", at: p) }
            exp10 += expNegative ? -e : e
        }
        pos = p
        if !inexact && mantissa <= 1 << 53 && exp10 >= -22 && exp10 <= 22 {
            var v = Double(mantissa)
            v = exp10 < 0 ? v / pow10[-exp10] : v * pow10[exp10]
            return negative ? -v : v
        }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        return slowPath(start, p)
    }

    /// `NaN`, `Infinity`, `-Infinity`, or a syntax error at `start`.
    private mutating func nonNumericToken(at start: Int, negative: Bool, _ p: Int) throws(JSONScanError) -> Double {
        pos = p
        if !negative, count - p >= 3, base[p] == UInt8(ascii: "N") {
            try literal("NaN")
            return .nan
        }
        if count - p >= 8, base[p] == UInt8(ascii: "I") {
            try literal("Infinity")
            return negative ? -.infinity : .infinity
        }
        pos = start
        throw error(negative ? "expected a digit after '-'" : "expected a value, found \(Self.describe(base[p]))", at: p)
    }

    /// Correctly rounded conversion of the validated number text `start..<end` by `strtod`.
    private func slowPath(_ start: Int, _ end: Int) -> Double {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            let text = buffer.baseAddress!
            UnsafeMutableRawPointer(text).copyMemory(from: base + start, byteCount: length)
            text[length] = 0
            return strtod(text, nil)
        }
    }

    /// Reads a JSON number that must be an integer in `range` (fractions like `3.0` are accepted).
    mutating func integer(in range: ClosedRange<Int64>, _ what: String) throws(JSONScanError) -> Int64 {
        let start = pos
        let v = try number()
        // Beyond ±2^53 a Double no longer names one integer (and Int64(2^63) would trap).
        guard v.isFinite, v.rounded(.towardZero) == v, abs(v) <= 9_007_199_254_740_992,
              v >= Double(range.lowerBound), v <= Double(range.upperBound) else {
            throw error("\(what) must be an integer in \(range.lowerBound)…\(range.upperBound)", at: start)
        }
        return Int64(v)
    }
}

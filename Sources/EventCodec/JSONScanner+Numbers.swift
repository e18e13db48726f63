#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact powers of ten 10^0…10^22 as `Double` (exact: 5^22 < 2^53), then their rounded
/// reciprocals 10^-0…10^-22 at offset 23 (for `float()`).
let exactPowersOfTen: [Double] = {
    let powers = (0...22).map { k in (0..<k).reduce(1.0) { v, _ in v * 10 } }
    return powers + powers.map { 1 / $0 }
}()

/// A JSON number as read, before conversion: ±mantissa × 10^exp10, or a NaN/Infinity token.
struct DecimalText {
    var mantissa: UInt64 = 0
    var exp10 = 0
    var negative = false
    /// Digits were dropped (more than 19 significant ones): only `strtod` can round it.
    var inexact = false
    var digits = 0
    /// The value of a `NaN` / `Infinity` / `-Infinity` token.
    var special: Double?
    /// Byte range of the text (for `strtod`).
    var start = 0
    var end = 0
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
    mutating func number() throws(JSONScanError) -> Double {
        let n = try decimal()
        if let special = n.special { return special }
        return exactDouble(n)
    }

    /// `Float(number())`, bit for bit, without the division on the common path.
    ///
    /// For m × 10^-k it multiplies by the rounded reciprocal instead of dividing (a division is
    /// ~15 cycles and was a third of the decoder's time). The product is within 2 ulps of the
    /// correctly rounded double, so converting it to float gives the same result unless a float
    /// rounding midpoint is within those ulps — the low 29 bits of the double (the bits float drops)
    /// then are within a few units of 0x1000_0000 — or the value is near float's subnormal range.
    /// Those rare cases divide exactly.
    @inline(__always)
    mutating func float() throws(JSONScanError) -> Float {
        let n = try decimal()
        if n.special == nil && !n.inexact && n.mantissa <= 1 << 53 && n.exp10 < 0 && n.exp10 >= -22 {
            let approx = Double(n.mantissa) * pow10[23 - n.exp10]
            let bits = approx.bitPattern
            let dropped = Int(bits & 0x1FFF_FFFF) - 0x1000_0000
            if bits >> 52 >= 1023 - 125 && (dropped > 4 || dropped < -4) {
                return Float(n.negative ? -approx : approx)
            }
        }
        if let special = n.special { return Float(special) }
        return Float(exactDouble(n))
    }

    /// `float()` for the shape nearly every embedding value has, `-?D.DDDD` with 1–15 fraction
    /// digits and no exponent (shortest float32 text has ≤ 9 significant digits): straight-line
    /// code over two 8-byte windows, no loop per digit. Leading zeros (`0.0017`) stay in the
    /// mantissa, which does not change its value. Any other shape takes `float()`.
    @inline(__always)
    mutating func embeddingFloat() throws(JSONScanError) -> Float {
        let negative = pos < count && base[pos] == UInt8(ascii: "-")
        let q = negative ? pos + 1 : pos
        if count - q >= 18 {
            let unit = UInt64(base[q] &- UInt8(ascii: "0"))
            if unit <= 9 && base[q + 1] == UInt8(ascii: ".") {
                let w1 = Self.load(base + q + 2), w2 = Self.load(base + q + 10)
                let n1 = Self.leadingBytes(Self.nonDigits(w1))
                // Branch-free: shortest float32 text has 8 or 9 fraction digits about equally often,
                // so "does the run go on into the second window?" would be a coin flip to predict.
                let n2 = Self.leadingBytes(Self.nonDigits(w2)) & ((n1 >> 3) &* 0xF)
                let run = n1 + n2
                let end = q + 2 + run
                if run > 0 && run < 16 && (base[end] | 0x20) != UInt8(ascii: "e") {
                    let mantissa = unit &* Self.powerOfTen(run) &+ Self.digitsValue(w1, n1) &* Self.powerOfTen(n2) &+ Self.digitsValue(w2, n2)
                    if mantissa <= 1 << 53 {
                        let approx = Double(mantissa) * pow10[23 + run]
                        let bits = approx.bitPattern
                        let dropped = Int(bits & 0x1FFF_FFFF) - 0x1000_0000
                        if bits >> 52 >= 1023 - 125 && (dropped > 4 || dropped < -4) {
                            pos = end
                            return Float(negative ? -approx : approx)
                        }
                    }
                }
            }
        }
        return try float()
    }

    @inline(__always)
    private func exactDouble(_ n: DecimalText) -> Double {
        if !n.inexact && n.mantissa <= 1 << 53 && n.exp10 >= -22 && n.exp10 <= 22 {
            var v = Double(n.mantissa)
            v = n.exp10 < 0 ? v / pow10[-n.exp10] : v * pow10[n.exp10]
            return n.negative ? -v : v
        }
        if n.mantissa == 0 && !n.inexact { return n.negative ? -0.0 : 0.0 }
        return slowPath(n.start, n.end)
    }

    /// Reads the text of a JSON number (or a NaN/Infinity token) and checks its syntax.
    @inline(__always)
    mutating func decimal() throws(JSONScanError) -> DecimalText {
        var n = DecimalText()
        n.start = pos
        var p = pos
        guard p < count else { throw error("expected a number") }
        n.negative = base[p] == UInt8(ascii: "-")
        if n.negative { p += 1 }
        guard p < count else { throw error("truncated number", at: n.start) }
        let first = base[p] &- UInt8(ascii: "0")
        if first == 0 {
            p += 1
        } else if first <= 9 {
            readDigits(&p, &n, fraction: false)
        } else {
            n.special = try nonNumericToken(at: n.start, negative: n.negative, p)
            return n
        }
        if p < count && base[p] == UInt8(ascii: ".") {
            p += 1
            let fractionStart = p
            if n.mantissa == 0 {
                // Leading zeros of 0.000123 are not significant digits; skip up to 8 without branching.
                if count - p >= 8 {
                    let zeros = Self.leadingBytes(Self.load(base + p) ^ 0x3030_3030_3030_3030)
                    p += zeros
                    n.exp10 -= zeros
                }
                while p < count && base[p] == UInt8(ascii: "0") {
                    n.exp10 -= 1
                    p += 1
                }
            }
            readDigits(&p, &n, fraction: true)
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
                let d = base[p] &- UInt8(ascii: "0")
                guard d <= 9 else { break }
                if e < 100_000 { e = e * 10 + Int(d) }  // saturate: beyond ±1e5 the value is 0 or ∞ anyway
                p += 1
            }
            guard p > exponentStart else { throw error("expected a digit in the exponent", at: p) }
            n.exp10 += expNegative ? -e : e
        }
        pos = p
        n.end = p
        return n
    }

    /// Appends the run of digits at `p` to `mantissa` (at most 19 significant digits; later ones
    /// only scale an integer part, or set `inexact`). With 16 bytes ahead it takes up to 16 digits
    /// in one step, without a branch per digit: the digit count of a float varies from number to
    /// number, and a mispredicted loop exit costs more than the arithmetic.
    @inline(__always)
    private func readDigits(_ p: inout Int, _ n: inout DecimalText, fraction: Bool) {
        if count - p >= 16 && n.digits <= 3 {
            let w1 = Self.load(base + p), w2 = Self.load(base + p + 8)
            let n1 = Self.leadingBytes(Self.nonDigits(w1))
            let n2 = n1 == 8 ? Self.leadingBytes(Self.nonDigits(w2)) : 0
            let run = n1 + n2
            let scale2 = Self.powerOfTen(n2)
            n.mantissa = n.mantissa &* Self.powerOfTen(run) &+ Self.digitsValue(w1, n1) &* scale2 &+ Self.digitsValue(w2, n2)
            n.digits += run
            p += run
            if fraction { n.exp10 -= run }
            if run < 16 { return }
        }
        while p < count {
            let d = base[p] &- UInt8(ascii: "0")
            guard d <= 9 else { break }
            if n.digits < 19 {
                n.mantissa = n.mantissa &* 10 &+ UInt64(d)
                n.digits += 1
                if fraction { n.exp10 -= 1 }
            } else {
                if !fraction { n.exp10 += 1 }
                n.inexact = true
            }
            p += 1
        }
    }

    /// 10^k for k in 0…16 (a switch of constants compiles to a table lookup, with no lazy global).
    @inline(__always)
    static func powerOfTen(_ k: Int) -> UInt64 {
        switch k {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1_000
        case 4: 10_000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        case 9: 1_000_000_000
        case 10: 10_000_000_000
        case 11: 100_000_000_000
        case 12: 1_000_000_000_000
        case 13: 10_000_000_000_000
        case 14: 100_000_000_000_000
        case 15: 1_000_000_000_000_000
        default: 10_000_000_000_000_000
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
    }

    /// Non-zero bytes where `x` has a byte that is not an ASCII digit. Carries from a non-digit byte
    /// may disturb the bytes after it, which callers never look at.
    @inline(__always)
    static func nonDigits(_ x: UInt64) -> UInt64 {
        let high: UInt64 = 0xF0F0_F0F0_F0F0_F0F0, zeros: UInt64 = 0x3030_3030_3030_3030
        return ((x & high) ^ zeros) | (((x &+ 0x0606_0606_0606_0606) & high) ^ zeros)
    }

    /// How many of the low-order (first in memory) bytes of `x` are zero, 0…8.
    @inline(__always)
    static func leadingBytes(_ x: UInt64) -> Int {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let nonZero = (((x & low7) &+ low7) | x) & 0x8080_8080_8080_8080
        return nonZero.trailingZeroBitCount >> 3
    }

    /// The value of the first `n` (0…8) bytes of `w`, all ASCII digits.
    @inline(__always)
    static func digitsValue(_ w: UInt64, _ n: Int) -> UInt64 {
        // Move the n digits to the top and fill the bytes below with '0': leading zeros keep the value.
        // Two masked half-shifts instead of one smart shift: a shift by 64 (n = 0) must give 0,
        // and the smart operator spends a branch on that.
        let half = UInt64(4 * (8 - n))
        let kept = (w &<< half) &<< half
        let fill = 0x3030_3030_3030_3030 & ~((UInt64.max &<< half) &<< half)
        return eightDigitsValue(kept | fill)
    }

    /// The value of eight ASCII digits (simdjson's `parse_eight_digits_unrolled`).
    @inline(__always)
    static func eightDigitsValue(_ x: UInt64) -> UInt64 {
        var v = x &- 0x3030_3030_3030_3030
        v = (v &* 10) &+ (v >> 8)
        return ((v & 0x0000_00FF_0000_00FF) &* (100 &+ (1_000_000 << 32)) &+ ((v >> 16) & 0x0000_00FF_0000_00FF) &* (1 &+ (10_000 << 32))) >> 32
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
        throw error(negative ? "expected a digit after '-'" : "expected a number, found \(Self.describe(base[p]))", at: p)
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

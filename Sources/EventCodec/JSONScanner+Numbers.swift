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
    /// multiply or divide gives the correctly rounded result. Longer mantissas with a negative
    /// exponent down to -22 (float64 text) take `longMantissaQuotient`. Everything else (more than
    /// 19 digits, big exponents, subnormals) goes to `strtod`, which glibc rounds correctly.
    ///
    /// The non-JSON tokens `NaN`, `Infinity` and `-Infinity` (Python's `json.dumps` writes them) are
    /// returned as non-finite values, so that callers report them as `non_finite` rather than as
    /// unparseable: the producer meant a number.
    mutating func number() throws(JSONScanError) -> Double {
        let n = try decimal()
        if let special = n.special { return special }
        return exactDouble(n)
    }

    /// The number as the correctly rounded float32 (bit-identical to `Float(String)` / `strtof`),
    /// without the division on the common path.
    ///
    /// For m × 10^-k it multiplies by the rounded reciprocal instead of dividing (a division is
    /// ~15 cycles and was a third of the decoder's time): see `fractionFloat`. The rare cases it
    /// cannot decide go through the correctly rounded double.
    @inline(__always)
    mutating func float() throws(JSONScanError) -> Float {
        let n = try decimal()
        if n.special == nil && !n.inexact && n.exp10 < 0 && n.exp10 >= -22,
           let f = fractionFloat(n.mantissa, fractionDigits: -n.exp10, negative: n.negative) {
            return f
        }
        if let special = n.special { return Float(special) }
        return float(rounding: exactDouble(n), of: n)
    }

    /// The float32 nearest to the number `n`, given `d`, the double nearest to it. `Float(d)` is
    /// that float unless `d` lies exactly halfway between two floats: then `d`'s own rounding may
    /// have moved the value onto the tie (1.00000005960464477539062501 rounds to the double
    /// 1 + 2⁻²⁴, which ties to 1.0, while the text rounds up), and `strtof` rounds the text itself.
    private func float(rounding d: Double, of n: DecimalText) -> Float {
        let f = Float(d)
        guard f.isFinite else { return d.isFinite ? slowFloat(n.start, n.end) : f }
        let back = Double(f)
        guard back != d else { return f }
        let neighbour = Double(back < d ? f.nextUp : f.nextDown)
        // Both floats and their sum are exact in Double (24-bit significands), so this finds a tie exactly.
        guard (back + neighbour) / 2 == d else { return f }
        return slowFloat(n.start, n.end)
    }

    /// The value of eight bytes that are ASCII digits or zero bytes (counted as 0), first byte most
    /// significant: three multiplies combine pairs, quads, then both halves.
    @inline(__always)
    static func eightDigits(_ x: UInt64) -> UInt64 {
        var v = x & 0x0F0F_0F0F_0F0F_0F0F
        v = (v &* 2561) >> 8
        v = ((v & 0x00FF_00FF_00FF_00FF) &* 6_553_601) >> 16
        return ((v & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) >> 32
    }

    /// ±`mantissa` × 10^-`fractionDigits` (1…22 digits) as the correctly rounded float32, or nil
    /// when one multiply cannot decide the rounding: the caller then takes the exact path.
    ///
    /// The product with the rounded reciprocal is within 2 ulps (of a double) of the exact value,
    /// so rounding it to float gives the correctly rounded float unless a float rounding midpoint
    /// is within those ulps — the low 29 bits of the double (the bits float drops) then are within
    /// a few units of 0x1000_0000 — or the value is near float's subnormal range.
    @inline(__always)
    func fractionFloat(_ mantissa: UInt64, fractionDigits: Int, negative: Bool) -> Float? {
        guard mantissa <= 1 << 53 else { return nil }
        let approx = Double(mantissa) * pow10[23 + fractionDigits]
        let bits = approx.bitPattern
        let dropped = Int(bits & 0x1FFF_FFFF) - 0x1000_0000
        guard bits >> 52 >= 1023 - 125 && (dropped > 4 || dropped < -4) else { return nil }
        // The sign goes in as a bit: embedding signs are random, and a branch on them mispredicts
        // every other value.
        let sign: UInt32 = (negative ? 1 : 0) << 31
        return Float(bitPattern: Float(approx).bitPattern | sign)
    }

    @inline(__always)
    private func exactDouble(_ n: DecimalText) -> Double {
        if !n.inexact && n.mantissa <= 1 << 53 && n.exp10 >= -22 && n.exp10 <= 22 {
            var v = Double(n.mantissa)
            v = n.exp10 < 0 ? v / pow10[-n.exp10] : v * pow10[n.exp10]
            return n.negative ? -v : v
        }
        if n.mantissa == 0 && !n.inexact { return n.negative ? -0.0 : 0.0 }
        if !n.inexact && n.exp10 < 0 && n.exp10 >= -22, let v = longMantissaQuotient(n.mantissa, powerOfTen: -n.exp10) {
            return n.negative ? -v : v
        }
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
            let n1 = Self.digitRun(w1)
            let n2 = n1 == 8 ? Self.digitRun(w2) : 0
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

    /// How many of the first bytes (in memory order) of `x` are ASCII digits, 0…8. Two SWAR
    /// compares (byte ≥ '0', byte > '9') by adding to each byte: carries only leave a byte that is
    /// not a digit, and they only disturb the bytes after it, which do not count.
    @inline(__always)
    static func digitRun(_ x: UInt64) -> Int {
        let atLeastZero = x &+ 0x5050_5050_5050_5050, aboveNine = x &+ 0x4646_4646_4646_4646
        let nonDigit = (~atLeastZero | aboveNine) & 0x8080_8080_8080_8080
        return nonDigit.trailingZeroBitCount >> 3
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
        // Move the n digits to the top; the zero bytes shifted in below count as leading zeros.
        // Two masked half-shifts instead of one smart shift: a shift by 64 (n = 0) must give 0,
        // and the smart operator spends a branch on that.
        let half = UInt64(4 * (8 - n))
        return eightDigits((w &<< half) &<< half)
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
    private func slowPath(_ start: Int, _ end: Int) -> Double { withCString(start, end) { strtod($0, nil) } }

    /// Correctly rounded float32 of the validated number text `start..<end`, by `strtof`.
    private func slowFloat(_ start: Int, _ end: Int) -> Float { withCString(start, end) { strtof($0, nil) } }

    /// The text `start..<end` as a NUL-terminated C string, for the libc converters.
    private func withCString<T>(_ start: Int, _ end: Int, _ body: (UnsafePointer<CChar>) -> T) -> T {
        let length = end - start
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: length + 1) { buffer in
            let text = buffer.baseAddress!
            UnsafeMutableRawPointer(text).copyMemory(from: base + start, byteCount: length)
            text[length] = 0
            return body(text)
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

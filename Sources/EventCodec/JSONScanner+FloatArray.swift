/// The `embedding` array: the hot loop of the whole decoder (d numbers per event).
extension JSONScanner {
    /// Reads a JSON array of numbers as float32, from its `[` to its `]`, and the index of the first
    /// value that is not a finite float32. Values go straight into the array's storage, sized by
    /// `capacityHint` (the model's dimension); values beyond it go to an overflow array (a wrong
    /// dimension, or no hint).
    mutating func floatArray(capacityHint: Int) throws(JSONScanError) -> (values: [Float], firstNonFinite: Int?) {
        try expect(UInt8(ascii: "["), "an array of numbers")
        if try peek(expecting: "a number or ']'") == UInt8(ascii: "]") {
            pos += 1
            return ([], nil)
        }
        var firstNonFinite: Int?
        var overflow = [Float]()
        var failure: JSONScanError?
        // Each value takes at least 2 bytes ("0,"): a misconfigured dimension cannot allocate more than the message warrants.
        let capacity = max(min(capacityHint, (count - pos) / 2 + 1), 1)
        var values = [Float](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let out = buffer.baseAddress!
            var i = 0
            // Array's initializer closure is not typed-throws: errors leave through `failure`.
            do throws(JSONScanError) {
                while true {
                    // Fast lane: compact runs of short decimals. It reads a copy of the scanner and
                    // keeps the position local, so both stay in registers instead of going through
                    // the captured `inout self` on every value.
                    let fast = self
                    var p = pos
                    var afterElement = false
                    while i < capacity, let short = fast.shortFloat(at: p) {
                        out[i] = short.value
                        i &+= 1
                        p = short.end
                        guard fast.base[p] == UInt8(ascii: ",") else {
                            afterElement = true
                            break
                        }
                        p &+= 1
                        // Python's `json.dumps` separates with ", " by default.
                        if p < fast.count && fast.base[p] == UInt8(ascii: " ") { p &+= 1 }
                    }
                    pos = p
                    if !afterElement {
                        skipWhitespace()
                        let f: Float
                        do throws(JSONScanError) {
                            f = try embeddingFloat()
                        } catch {
                            throw error.inContext("embedding[\(i)]")
                        }
                        if f.bitPattern & 0x7F80_0000 == 0x7F80_0000 && firstNonFinite == nil { firstNonFinite = i }
                        if i < capacity { out[i] = f } else { overflow.append(f) }
                        i &+= 1
                    }
                    if pos < count && base[pos] == UInt8(ascii: ",") {
                        pos &+= 1
                        continue
                    }
                    let next = try peek(expecting: "',' or ']'")
                    pos += 1
                    if next == UInt8(ascii: "]") { break }
                    guard next == UInt8(ascii: ",") else {
                        throw error("expected ',' or ']', found \(Self.describe(next))", at: pos - 1).inContext("embedding[\(i - 1)]")
                    }
                }
            } catch {
                failure = error
            }
            initialized = min(i, capacity)
        }
        if let failure { throw failure }
        if !overflow.isEmpty { values += overflow }
        return (values, firstNonFinite)
    }

    /// `float()`, first trying `shortFloat(at:)`.
    @inline(__always)
    mutating func embeddingFloat() throws(JSONScanError) -> Float {
        if let short = shortFloat(at: pos) {
            pos = short.end
            return short.value
        }
        return try float()
    }

    /// The number at `p` when it has the shape nearly every embedding value has, `-?D.DDDD` with
    /// 1–15 fraction digits and no exponent (shortest float32 text has ≤ 9 significant digits),
    /// and where it ends; nil for any other text (or when one multiply cannot decide the rounding).
    /// Straight-line code over 8-byte windows, no loop per digit. Leading zeros (`0.0017`) stay
    /// in the mantissa, which does not change its value.
    ///
    /// It runs d times per event and is bound by instruction count, not latency: once the digit
    /// run is measured, the digits are the last `run` bytes before its end, so they are read
    /// right-aligned from the 16 bytes ending there (bytes before them masked off) and converted
    /// with two SWAR multiplies, with no shifting by the run length.
    @inline(__always)
    func shortFloat(at p: Int) -> (value: Float, end: Int)? {
        // 19 bytes from p: sign, unit, '.', two 8-byte windows; 14 before it: the window that ends
        // at the digits' end starts up to 13 bytes before (any JSON object has them before a number).
        guard count &- p >= 19 && p >= 14 else { return nil }
        let negative = base[p] == UInt8(ascii: "-")
        let q = negative ? p &+ 1 : p
        let unit = UInt64(base[q] &- UInt8(ascii: "0"))
        guard unit <= 9 && base[q &+ 1] == UInt8(ascii: ".") else { return nil }
        let n1 = Self.digitRun(Self.load(base + (q &+ 2)))
        // Branch-free: shortest float32 text has 8 or 9 fraction digits about equally often,
        // so "does the run go on into the second window?" would be a coin flip to predict.
        let n2 = Self.digitRun(Self.load(base + (q &+ 10))) & ((n1 >> 3) &* 0xF)
        let run = n1 &+ n2
        let end = q &+ 2 &+ run
        guard run > 0 && run < 16 && (base[end] | 0x20) != UInt8(ascii: "e") else { return nil }
        // The masks keep the last `run` of the 16 bytes: 16 − run zero bytes, then 0xFF bytes.
        let low = Self.load(base + (end &- 8)) & digitMasks.loadUnaligned(fromByteOffset: run &+ 8, as: UInt64.self)
        let high = Self.load(base + (end &- 16)) & digitMasks.loadUnaligned(fromByteOffset: run, as: UInt64.self)
        let fraction = Self.eightDigits(high) &* 100_000_000 &+ Self.eightDigits(low)
        guard let value = fractionFloat(unit &* Self.powerOfTen(run) &+ fraction, fractionDigits: run, negative: negative) else {
            return nil
        }
        return (value, end)
    }
}

/// 16 zero bytes, then 16 0xFF bytes: the 16 bytes from offset n keep the last n bytes of a
/// 16-byte window (two loads instead of computing two clamped shift masks per number).
let digitMaskBytes: [UInt8] = Array(repeating: 0, count: 16) + Array(repeating: 0xFF, count: 16)

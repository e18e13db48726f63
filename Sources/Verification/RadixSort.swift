/// LSD radix sort by a range of key bits, for the one sort `LabelledScores` does per report.
///
/// Passes of ≤ 12-bit digits (4 096 counters stay in L1), all histograms counted in one read; a
/// pass whose digit every key shares is skipped. At a million scores this is several times faster
/// than the standard library's comparison sort, which small inputs use instead. Equal keys keep no
/// particular order (no caller needs one).
enum RadixSort {
    /// Below this many elements the comparison sort is faster than counting.
    static let threshold = 1 << 12
    private static let maxDigitBits = 12

    /// Sorts `items` ascending by bits `lowBit ..< lowBit + width` of `key(item)` (the other bits
    /// must not matter: callers pass the range where keys differ).
    static func sort<T>(_ items: inout [T], lowBit: Int, width: Int, key: (T) -> UInt64) {
        guard width > 0, items.count > 1 else { return }
        guard items.count >= threshold else {
            let mask: UInt64 = width >= 64 ? ~0 : (1 << UInt64(width)) - 1
            items.sort { (key($0) >> UInt64(lowBit)) & mask < (key($1) >> UInt64(lowBit)) & mask }
            return
        }
        let n = items.count
        let passes = (width + maxDigitBits - 1) / maxDigitBits
        let digitBits = (width + passes - 1) / passes
        let buckets = 1 << digitBits, mask = UInt64(buckets - 1)
        var counts = [Int](repeating: 0, count: passes * buckets)
        counts.withUnsafeMutableBufferPointer { c in
            items.withUnsafeBufferPointer { p in
                for item in p {
                    let k = key(item) >> UInt64(lowBit)
                    for pass in 0..<passes { c[pass * buckets + Int((k >> UInt64(pass * digitBits)) & mask)] += 1 }
                }
            }
        }
        var scratch = items  // same size; every slot is overwritten by the first scatter
        var inScratch = false
        for pass in 0..<passes {
            let base = pass * buckets, shift = UInt64(lowBit + pass * digitBits)
            // A digit shared by every key orders nothing (any element tells which digit that is).
            if counts[base + Int((key(items[0]) >> shift) & mask)] == n { continue }
            counts.withUnsafeMutableBufferPointer { c in
                var offset = 0
                for b in base..<(base + buckets) {
                    let size = c[b]
                    c[b] = offset
                    offset += size
                }
                func scatter(_ source: UnsafeBufferPointer<T>, _ target: UnsafeMutableBufferPointer<T>) {
                    for item in source {
                        let b = base + Int((key(item) >> shift) & mask)
                        target[c[b]] = item
                        c[b] += 1
                    }
                }
                if inScratch {
                    scratch.withUnsafeBufferPointer { s in items.withUnsafeMutableBufferPointer { t in scatter(s, t) } }
                } else {
                    items.withUnsafeBufferPointer { s in scratch.withUnsafeMutableBufferPointer { t in scatter(s, t) } }
                }
            }
            inScratch.toggle()
        }
        if inScratch { swap(&items, &scratch) }
    }
}

/// A sort key with its payload, for keys too wide to share one word with the payload.
struct KeyedTag: Sendable {
    var key: UInt64
    var tag: UInt64
}

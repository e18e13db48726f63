/// Scores with their ground truth, sorted once by descending score: the input of the ROC curve,
/// the calibrators and the per-cohort summary, which all scan it linearly.
///
/// Only finite scores are kept: a NaN cannot be placed against a threshold, and ±∞ would collide
/// with the ROC's "accept nothing" threshold (+∞). `EventDecoder` refuses them upstream; here they
/// are left out and counted in `excluded`, never silently mixed in. −0 is stored as +0 (they are
/// the same threshold). Ties keep no particular order: every use is per distinct score.
public struct LabelledScores: Sendable, Equatable {
    /// The finite scores, highest first.
    public let scores: [Double]
    /// `genuine[i]` is the label of `scores[i]`: true for label 1 (genuine), false for 0 (impostor).
    public let genuine: [Bool]
    /// How many genuine pairs (label 1).
    public let positives: Int
    /// Non-finite scores left out.
    public let excluded: Int

    /// Number of labelled scores kept.
    public var count: Int { scores.count }
    /// How many impostor pairs (label 0).
    public var negatives: Int { scores.count - positives }
    /// Whether nothing was kept.
    public var isEmpty: Bool { scores.isEmpty }

    /// Sorts `scores` with their labels (same length; label 1 = `true`). O(n) for large n (radix sort).
    public init(scores: [Double], genuine: [Bool]) {
        precondition(scores.count == genuine.count, "LabelledScores: \(scores.count) scores, \(genuine.count) labels")
        let (all, _) = Self.sorted(scores: scores, genuine: genuine, groups: nil, groupCount: 0)
        self = all
    }

    /// Sorts (score, genuine) pairs.
    public init<S: Sequence>(_ pairs: S) where S.Element == (score: Double, genuine: Bool) {
        var scores = [Double](), genuine = [Bool]()
        scores.reserveCapacity(pairs.underestimatedCount)
        genuine.reserveCapacity(pairs.underestimatedCount)
        for (s, g) in pairs {
            scores.append(s)
            genuine.append(g)
        }
        self.init(scores: scores, genuine: genuine)
    }

    /// Already sorted and filtered arrays (internal: the partition of a sorted whole).
    init(sortedScores: [Double], genuine: [Bool], positives: Int, excluded: Int) {
        self.scores = sortedScores
        self.genuine = genuine
        self.positives = positives
        self.excluded = excluded
    }

    /// One sort for the whole and every group: `groups[i]` in `0..<groupCount` names the group of
    /// pair i; each group's scores come out sorted as a partition of the sorted whole.
    public static func grouped(scores: [Double], genuine: [Bool], groups: [Int], groupCount: Int)
        -> (all: LabelledScores, groups: [LabelledScores]) {
        precondition(scores.count == genuine.count && scores.count == groups.count,
                     "LabelledScores.grouped: \(scores.count) scores, \(genuine.count) labels, \(groups.count) groups")
        precondition(groups.allSatisfy { $0 >= 0 && $0 < groupCount }, "LabelledScores.grouped: group index out of 0..<\(groupCount)")
        return sorted(scores: scores, genuine: genuine, groups: groups, groupCount: groupCount)
    }

    /// Counts at `threshold` (accept ⇔ score ≥ threshold): a binary search and a count of the accepted labels.
    public func confusion(at threshold: Double) -> ConfusionCounts {
        let accepted = acceptedCount(at: threshold)
        var tp = 0
        for i in 0..<accepted where genuine[i] { tp += 1 }
        let fp = accepted - tp
        return ConfusionCounts(tp: tp, fn: positives - tp, fp: fp, tn: negatives - fp)
    }

    /// How many scores are ≥ `threshold` (0 for NaN).
    public func acceptedCount(at threshold: Double) -> Int {
        var lo = 0, hi = scores.count  // scores[..<lo] ≥ threshold, scores[hi...] are not
        while lo < hi {
            let mid = (lo + hi) / 2
            if scores[mid] >= threshold { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: - Sorting

    /// Order-reversing map of a finite double to an unsigned key (ascending keys = descending
    /// scores): 2⁶³ − m for x ≥ 0 and 2⁶³ + m for x < 0, m = |x|'s bits. Unlike the usual
    /// sign-flip map it keeps a float32-rounded score's 29 low zero bits zero on both signs,
    /// which the sort then skips.
    @inline(__always) static func descendingKey(_ score: Double) -> UInt64 {
        let magnitude = score.bitPattern & ~(1 << 63)
        return score.sign == .minus ? (1 << 63) + magnitude : (1 << 63) - magnitude  // −0 ↦ 2⁶³, as +0
    }

    @inline(__always) static func score(descendingKey key: UInt64) -> Double {
        key <= 1 << 63 ? Double(bitPattern: (1 << 63) - key) : -Double(bitPattern: key - (1 << 63))
    }

    private static func sorted(scores: [Double], genuine: [Bool], groups: [Int]?, groupCount: Int)
        -> (all: LabelledScores, groups: [LabelledScores]) {
        // Key = the score's bits, order-reversed (invertible: the sorted scores are read back from
        // the keys); tag = group << 1 | genuine. First the bits where keys differ: scores that were
        // float32 share the low 29 bits, scores in [−1, 1] most exponent bits. When those bits and
        // the tag fit a word, key and tag are sorted as one UInt64.
        var all: UInt64 = ~0, any: UInt64 = 0, excluded = 0
        for s in scores {
            guard s.isFinite else {
                excluded += 1
                continue
            }
            let k = descendingKey(s)
            all &= k
            any |= k
        }
        let n = scores.count - excluded
        let varying = all ^ any
        let low = varying == 0 ? 0 : varying.trailingZeroBitCount
        let width = varying == 0 ? 0 : 64 - varying.leadingZeroBitCount - low
        let tagBits = 1 + (UInt64.bitWidth - UInt64(max(groupCount - 1, 0)).leadingZeroBitCount)
        let tagMask: UInt64 = (1 << UInt64(tagBits)) - 1
        @inline(__always) func tag(_ i: Int) -> UInt64 { (groups.map { UInt64($0[i]) << 1 } ?? 0) | (genuine[i] ? 1 : 0) }

        let sorted: Decoded
        if width + tagBits <= 64 {
            let widthMask: UInt64 = width == 0 ? 0 : (1 << UInt64(width)) - 1
            var packed = [UInt64](unsafeUninitializedCapacity: n) { p, count in
                var j = 0
                for i in scores.indices where scores[i].isFinite {
                    p[j] = ((descendingKey(scores[i]) >> UInt64(low)) & widthMask) << UInt64(tagBits) | tag(i)
                    j += 1
                }
                count = j
            }
            RadixSort.sort(&packed, lowBit: tagBits, width: width) { $0 }
            let common = all & ~(widthMask << UInt64(low))
            sorted = packed.withUnsafeBufferPointer { p in
                Decoded(count: n, groupCount: groupCount) { (common | ((p[$0] >> UInt64(tagBits)) << UInt64(low)), p[$0] & tagMask) }
            }
        } else {
            var pairs = [KeyedTag]()
            pairs.reserveCapacity(n)
            for i in scores.indices where scores[i].isFinite { pairs.append(KeyedTag(key: descendingKey(scores[i]), tag: tag(i))) }
            RadixSort.sort(&pairs, lowBit: low, width: width) { $0.key }
            sorted = pairs.withUnsafeBufferPointer { p in Decoded(count: n, groupCount: groupCount) { (p[$0].key, p[$0].tag) } }
        }
        let whole = LabelledScores(sortedScores: sorted.scores, genuine: sorted.genuine, positives: sorted.positives, excluded: excluded)
        guard let groups else { return (whole, []) }

        var groupExcluded = [Int](repeating: 0, count: groupCount)
        if excluded > 0 {
            for i in scores.indices where !scores[i].isFinite { groupExcluded[groups[i]] += 1 }
        }
        // Each group's scores in sorted order: a stable partition of the sorted whole.
        var groupScores = sorted.sizes.map { [Double](repeating: 0, count: $0) }
        var groupGenuine = sorted.sizes.map { [Bool](repeating: false, count: $0) }
        var cursor = [Int](repeating: 0, count: groupCount)
        for i in 0..<n {
            let g = Int(sorted.group[i]), at = cursor[g]
            groupScores[g][at] = sorted.scores[i]
            groupGenuine[g][at] = sorted.genuine[i]
            cursor[g] = at + 1
        }
        let parts = (0..<groupCount).map {
            LabelledScores(sortedScores: groupScores[$0], genuine: groupGenuine[$0], positives: sorted.groupPositives[$0], excluded: groupExcluded[$0])
        }
        return (whole, parts)
    }

    /// Sorted (key, tag) pairs read back into scores, labels and group indices, with counts.
    private struct Decoded {
        var scores: [Double]
        var genuine: [Bool]
        var group: [UInt32]
        var positives = 0
        var sizes: [Int]
        var groupPositives: [Int]

        @inline(__always)
        init(count n: Int, groupCount: Int, _ pair: (Int) -> (key: UInt64, tag: UInt64)) {
            var positives = 0
            var sizes = [Int](repeating: 0, count: groupCount), groupPositives = sizes
            var genuine = [Bool](repeating: false, count: n)
            var group = [UInt32](repeating: 0, count: groupCount > 0 ? n : 0)
            scores = [Double](unsafeUninitializedCapacity: n) { s, count in
                genuine.withUnsafeMutableBufferPointer { g in
                    group.withUnsafeMutableBufferPointer { c in
                        for i in 0..<n {
                            let (key, tag) = pair(i)
                            s[i] = LabelledScores.score(descendingKey: key)
                            let isGenuine = Int(tag & 1)
                            g[i] = isGenuine == 1
                            positives += isGenuine
                            if groupCount > 0 {
                                let k = Int(tag >> 1)
                                c[i] = UInt32(k)
                                sizes[k] += 1
                                groupPositives[k] += isGenuine
                            }
                        }
                    }
                }
                count = n
            }
            self.genuine = genuine
            self.group = group
            self.positives = positives
            self.sizes = sizes
            self.groupPositives = groupPositives
        }
    }
}

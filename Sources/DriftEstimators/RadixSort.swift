/// LSD radix sorts of (key, index) pairs plus an insertion pass, the window-side hot path of W1
/// and sliced W: O(n) per column instead of O(n log n) comparisons. Inputs are finite (validated
/// upstream); −0 and +0 may come out in either order, which no estimator can tell apart.
enum RadixSort {
    static let bits = 11
    static let buckets = 1 << bits

    /// Order-preserving map of a float's bits to an unsigned key.
    @inline(__always) static func key(_ bits: UInt32) -> UInt32 {
        bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
    }

    /// Sorts `values` (finite doubles) ascending in place.
    ///
    /// First by a 22-bit key linear in the value over [min, max], two 11-bit digits: both digits
    /// are well spread for data such as projections, whereas the top digit of a float key (sign
    /// and exponent) takes a handful of values and serialises the scatter on one counter. The
    /// insertion pass that fixes values sharing a key is near-linear unless thousands of values
    /// are packed into a 2⁻²² sliver of the range (an extreme outlier); past a budget of moves
    /// the sort is redone on the float key, exact but for float-equal values.
    static func sort(_ values: UnsafeMutableBufferPointer<Double>, scratch a: UnsafeMutableBufferPointer<UInt64>,
                     _ b: UnsafeMutableBufferPointer<UInt64>, counts: UnsafeMutableBufferPointer<UInt32>) {
        guard values.count > 1 else { return }
        precondition(values.count < 1 << 32, "radix sort index does not fit 32 bits")
        if !sortByLinearKey(values, scratch: a, b, counts: counts) {
            sortByFloatKey(values, scratch: a, b, counts: counts)
        }
    }

    /// Insertion moves per element allowed before the linear-key sort gives up.
    static let insertionBudget = 16

    /// The linear-key sort; false (values then permuted but not sorted) past the insertion budget.
    private static func sortByLinearKey(_ values: UnsafeMutableBufferPointer<Double>, scratch a: UnsafeMutableBufferPointer<UInt64>,
                                        _ b: UnsafeMutableBufferPointer<UInt64>, counts: UnsafeMutableBufferPointer<UInt32>) -> Bool {
        let n = values.count
        let (lo, hi) = range(values)
        guard hi > lo else { return true }
        // Monotone in the value (subtracting lo and scaling round monotonically) and below 2²².
        let scale = Double((1 << 22) - 1) / (hi - lo)
        // A range that overflows (values near ±Double.greatestFiniteMagnitude) or is too narrow
        // to scale has no usable linear key.
        guard (hi - lo).isFinite, scale.isFinite else { return false }
        let mask = UInt64(buckets - 1)
        for i in 0..<(2 * buckets) { counts[i] = 0 }
        for i in 0..<n {
            // In 0 ..< 2²²: the signed conversion is one instruction (the unsigned one is not, on x86-64).
            let k = UInt64(truncatingIfNeeded: Int64((values[i] - lo) * scale))
            a[i] = k << 32 | UInt64(i)
            counts[Int(k & mask)] &+= 1
            counts[buckets + Int(k >> 11)] &+= 1
        }
        let from = scatter(a, b, n, shift: 32, counts: counts)
        let sorted = scatter(from, from.baseAddress == a.baseAddress ? b : a, n, shift: 43,
                             counts: UnsafeMutableBufferPointer(rebasing: counts[buckets...]))
        return insertionFix(values, order: sorted, scratch: sorted.baseAddress == a.baseAddress ? b : a, moveBudget: insertionBudget * n)
    }

    /// Smallest and largest of finite `values` (count ≥ 1), with four independent running pairs:
    /// one pair would wait on each comparison's latency.
    @inline(__always)
    static func range(_ values: UnsafeMutableBufferPointer<Double>) -> (Double, Double) {
        let n = values.count
        var lo = SIMD4(repeating: values[0]), hi = lo
        var i = 0
        while i + 4 <= n {
            let v = SIMD4(values[i], values[i + 1], values[i + 2], values[i + 3])
            lo = SIMD4(Swift.min(lo[0], v[0]), Swift.min(lo[1], v[1]), Swift.min(lo[2], v[2]), Swift.min(lo[3], v[3]))
            hi = SIMD4(Swift.max(hi[0], v[0]), Swift.max(hi[1], v[1]), Swift.max(hi[2], v[2]), Swift.max(hi[3], v[3]))
            i += 4
        }
        var a = Swift.min(Swift.min(lo[0], lo[1]), Swift.min(lo[2], lo[3]))
        var b = Swift.max(Swift.max(hi[0], hi[1]), Swift.max(hi[2], hi[3]))
        while i < n { a = Swift.min(a, values[i]); b = Swift.max(b, values[i]); i += 1 }
        return (a, b)
    }

    /// Stable counting scatter of `from` into `to` on the 11-bit digit at `shift`, given that
    /// digit's histogram in `counts`; returns the buffer holding the result (`from` if one bucket
    /// holds everything and nothing moved).
    @inline(__always)
    private static func scatter(_ from: UnsafeMutableBufferPointer<UInt64>, _ to: UnsafeMutableBufferPointer<UInt64>, _ n: Int,
                                shift: UInt64, counts: UnsafeMutableBufferPointer<UInt32>) -> UnsafeMutableBufferPointer<UInt64> {
        let mask = UInt64(buckets - 1)
        if Int(counts[Int((from[0] >> shift) & mask)]) == n { return from }
        var sum: UInt32 = 0
        for i in 0..<buckets { let c = counts[i]; counts[i] = sum; sum &+= c }
        for i in 0..<n {
            let d = Int((from[i] >> shift) & mask)
            to[Int(counts[d])] = from[i]
            counts[d] &+= 1
        }
        return to
    }

    /// Writes the values in `order` (low 32 bits: original index) back into `values`, fixing the
    /// remaining inversions by insertion; false once more than `moveBudget` moves were needed
    /// (every value is still in `values`, partly unsorted).
    @inline(__always)
    private static func insertionFix(_ values: UnsafeMutableBufferPointer<Double>, order: UnsafeMutableBufferPointer<UInt64>,
                                     scratch: UnsafeMutableBufferPointer<UInt64>, moveBudget: Int) -> Bool {
        let n = values.count
        let gathered = UnsafeMutableRawPointer(scratch.baseAddress!).bindMemory(to: Double.self, capacity: n)
        for i in 0..<n { gathered[i] = values[Int(order[i] & 0xFFFF_FFFF)] }
        var moves = 0
        for i in 0..<n {
            let v = gathered[i]
            var j = i
            while j > 0 && values[j - 1] > v { values[j] = values[j - 1]; j -= 1 }
            values[j] = v
            moves &+= i - j
            if moves > moveBudget {
                for t in (i + 1)..<n { values[t] = gathered[t] }
                return false
            }
        }
        return true
    }

    /// Rounding to Float is monotone, so sorting (float key, index) pairs — 3 radix passes on the
    /// upper 32 bits of a packed UInt64 instead of 6 on the full double — leaves only values that
    /// share a float key out of order for the insertion pass (near-linear).
    private static func sortByFloatKey(_ values: UnsafeMutableBufferPointer<Double>, scratch a: UnsafeMutableBufferPointer<UInt64>,
                                       _ b: UnsafeMutableBufferPointer<UInt64>, counts: UnsafeMutableBufferPointer<UInt32>) {
        let n = values.count
        let mask = UInt64(buckets - 1)
        // One read pass builds all three digit histograms.
        for i in 0..<(3 * buckets) { counts[i] = 0 }
        for i in 0..<n {
            let k = UInt64(key(Float(values[i]).bitPattern))
            a[i] = k << 32 | UInt64(i)
            counts[Int(k & mask)] &+= 1
            counts[buckets + Int((k >> 11) & mask)] &+= 1
            counts[2 * buckets + Int((k >> 22) & mask)] &+= 1
        }
        var from = a
        for p in 0..<3 {
            let to = from.baseAddress == a.baseAddress ? b : a
            from = scatter(from, to, n, shift: UInt64(32 + 11 * p), counts: UnsafeMutableBufferPointer(rebasing: counts[(p * buckets)...]))
        }
        _ = insertionFix(values, order: from, scratch: from.baseAddress == a.baseAddress ? b : a, moveBudget: .max)
    }

    /// Sorts each of `count` contiguous runs of `length` doubles.
    static func sortSegments(_ data: UnsafeMutableBufferPointer<Double>, count: Int, length: Int) {
        let a = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: length)
        let b = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: length)
        let counts = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 3 * buckets)
        defer { a.deallocate(); b.deallocate(); counts.deallocate() }
        for s in 0..<count {
            sort(UnsafeMutableBufferPointer(rebasing: data[(s * length)..<((s + 1) * length)]),
                 scratch: UnsafeMutableBufferPointer(rebasing: a[0..<length]),
                 UnsafeMutableBufferPointer(rebasing: b[0..<length]), counts: counts)
        }
    }

    /// Every column of a row-major Float matrix, sorted ascending, as column-major Double
    /// (widened first: Float → Double is exact and monotone, so this is the Float order).
    static func sortedColumns(_ m: Matrix) -> [Double] {
        let n = m.rows, d = m.cols
        guard n > 0 else { return [Double](repeating: 0, count: n * d) }
        // Transpose first (blocked): sorting then reads contiguous memory instead of one cache line per value.
        var out = Numerics.transposeWidened(m)
        out.withUnsafeMutableBufferPointer { sortSegments($0, count: d, length: n) }
        return out
    }
}

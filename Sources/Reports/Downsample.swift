/// Reduces long series to what a plot can show, keeping what a reader must see.
///
/// A week of 10-second evaluations is 60 480 points per line; a plot is < 1000 px wide. Min/max
/// bucketing keeps, in each of `maxPoints / 2` equal-width x buckets, the smallest and the largest
/// value, in x order: every spike and every dip survives (in particular every excursion below a
/// p-value level: a bucket with a point below the level keeps its minimum), and the line's envelope
/// is exact at the buckets' resolution, which is finer than a pixel column.
enum Downsample {
    /// The points to draw of (x, y), in order, with NaN in `y` marking a break in the line. Series of
    /// at most `maxPoints` are returned whole; non-finite y values break the line.
    static func minMax(x: [Double], y: [Double], maxPoints: Int) -> (x: [Double], y: [Double]) {
        let n = min(x.count, y.count)
        guard n > maxPoints, maxPoints >= 4, let x0 = x.first, x[n - 1] > x0 else {
            return (Array(x.prefix(n)), Array(y.prefix(n)).map { $0.isFinite ? $0 : .nan })
        }
        let buckets = maxPoints / 2, x1 = x[n - 1]
        let scale = Double(buckets) / (x1 - x0)
        var outX: [Double] = [], outY: [Double] = []
        outX.reserveCapacity(maxPoints + buckets)
        outY.reserveCapacity(maxPoints + buckets)
        var i = 0
        while i < n {
            let bucket = min(Int((x[i] - x0) * scale), buckets - 1)
            var lo = -1, hi = -1, sawGap = false
            while i < n, min(Int((x[i] - x0) * scale), buckets - 1) == bucket {
                let v = y[i]
                if v.isFinite {
                    if lo < 0 || v < y[lo] { lo = i }
                    if hi < 0 || v > y[hi] { hi = i }
                } else {
                    sawGap = true
                }
                i += 1
            }
            if lo < 0 {
                // Nothing finite in the bucket: the line breaks here.
                if sawGap, outY.last.map({ !$0.isNaN }) ?? false {
                    outX.append(x[i - 1])
                    outY.append(.nan)
                }
                continue
            }
            for k in lo == hi ? [lo] : [min(lo, hi), max(lo, hi)] {
                outX.append(x[k])
                outY.append(y[k])
            }
        }
        return (outX, outY)
    }

    /// The indices to keep of several lines sharing one x (columnar series), ascending, at most
    /// `maxPoints`: per equal-width x bucket, each line's smallest and largest finite value. All
    /// indices when the series is short enough.
    static func sharedIndices(x: [Double], lines: [[Double]], maxPoints: Int) -> [Int] {
        let n = x.count
        guard n > maxPoints, let x0 = x.first, x[n - 1] > x0 else { return Array(0 ..< n) }
        let buckets = max(1, maxPoints / (2 * max(lines.count, 1))), scale = Double(buckets) / (x[n - 1] - x0)
        var keep = Set<Int>()
        for line in lines {
            var bucket = -1, lo = -1, hi = -1
            func flush() {
                if lo >= 0 { keep.insert(lo); keep.insert(hi) }
            }
            for i in 0 ..< min(n, line.count) {
                let b = min(Int((x[i] - x0) * scale), buckets - 1)
                if b != bucket {
                    flush()
                    bucket = b
                    lo = -1
                    hi = -1
                }
                let v = line[i]
                guard v.isFinite else { continue }
                if lo < 0 || v < line[lo] { lo = i }
                if hi < 0 || v > line[hi] { hi = i }
            }
            flush()
        }
        return keep.sorted()
    }

    /// The points of a monotone curve (a ROC) to draw: the first, the last, and each point at least
    /// `resolution` (in the curve's units, L1) from the previous kept one.
    static func curve(x: [Double], y: [Double], resolution: Double) -> (x: [Double], y: [Double]) {
        let n = min(x.count, y.count)
        guard n > 2 else { return (Array(x.prefix(n)), Array(y.prefix(n))) }
        var outX = [x[0]], outY = [y[0]]
        for i in 1 ..< n - 1 where abs(x[i] - outX[outX.count - 1]) + abs(y[i] - outY[outY.count - 1]) >= resolution {
            outX.append(x[i])
            outY.append(y[i])
        }
        outX.append(x[n - 1])
        outY.append(y[n - 1])
        return (outX, outY)
    }

    /// Time spans where `isBelow` holds, merged when closer than `mergeGap`: the shaded "below the level"
    /// bands, which cover every such evaluation however long the series.
    static func runs(x: [Double], count: Int, mergeGap: Double, _ isBelow: (Int) -> Bool) -> [(from: Double, to: Double)] {
        var runs: [(from: Double, to: Double)] = []
        for i in 0 ..< min(count, x.count) where isBelow(i) {
            if let last = runs.last, x[i] - last.to <= mergeGap {
                runs[runs.count - 1].to = x[i]
            } else {
                runs.append((x[i], x[i]))
            }
        }
        return runs
    }
}

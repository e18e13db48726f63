#if canImport(Glibc)
import Glibc
#endif
import Testing
import TwinwatchCore
@testable import Verification

@Suite("Labelled window")
struct LabelledWindowTests {
    /// The window's semantics written the slow way: a plain array, recounted from scratch.
    private struct NaiveWindow {
        var rows: [(score: Double, genuine: Bool, atMs: Int64)] = []
        var now: Int64 = .min
        let maxCount: Int, maxAgeMs: Int64

        mutating func append(score: Double, genuine: Bool, atMs: Int64) {
            let at = Swift.max(atMs, rows.last?.atMs ?? .min)
            rows.append((score, genuine, at))
            if rows.count > maxCount { rows.removeFirst(rows.count - maxCount) }
            evict(now: at)
        }

        mutating func evict(now: Int64) {
            self.now = Swift.max(self.now, now)
            rows.removeAll { self.now - $0.atMs > maxAgeMs }
        }

        func counts(at threshold: Double) -> ConfusionCounts {
            var c = ConfusionCounts()
            for r in rows { c.record(score: r.score, genuine: r.genuine, threshold: threshold) }
            return c
        }
    }

    @Test("counts at the threshold in force, bounded by count and by age")
    func bounds() {
        var w = LabelledWindow(settings: .init(maxCount: 3, maxAgeMs: 1_000), threshold: 0.5)
        w.append(score: 0.9, genuine: true, atMs: 0)      // TP
        w.append(score: 0.6, genuine: false, atMs: 100)   // FP
        w.append(score: 0.2, genuine: false, atMs: 200)   // TN
        #expect(w.counts == ConfusionCounts(tp: 1, fn: 0, fp: 1, tn: 1))
        w.append(score: 0.4, genuine: true, atMs: 300)    // FN; the TP leaves by count
        #expect(w.counts == ConfusionCounts(tp: 0, fn: 1, fp: 1, tn: 1))
        #expect(w.evictedByCount == 1)
        w.evict(nowMs: 1_150)                             // the FP (100) leaves by age
        #expect(w.counts == ConfusionCounts(tp: 0, fn: 1, fp: 0, tn: 1))
        #expect(w.evictedByAge == 1)
        w.setThreshold(0.1)
        #expect(w.counts == ConfusionCounts(tp: 1, fn: 0, fp: 1, tn: 0))
        // A row older than the newest is kept at the newest time (eviction stays in order).
        w.append(score: 0.7, genuine: true, atMs: 50)
        #expect(w.count == 3)
        let appendedNaN = w.append(score: .nan, genuine: true, atMs: 1_200)
        #expect(!appendedNaN)
        #expect(w.appended == 5)
        #expect(w.labelledScores() == LabelledScores(scores: [0.2, 0.4, 0.7], genuine: [false, true, true]))
    }

    @Test("running counts equal a naive recount after random appends, evictions and threshold changes")
    func matchesNaiveRecount() {
        for seed: UInt64 in [11, 12, 13] {
            var rng = ScoreRNG(seed: seed)
            let maxCount = 1 + Int(rng.next() % 500), maxAge = Int64(rng.next() % 5_000)
            var w = LabelledWindow(settings: .init(maxCount: maxCount, maxAgeMs: maxAge), threshold: 0.5)
            var naive = NaiveWindow(maxCount: maxCount, maxAgeMs: maxAge)
            var threshold = 0.5
            var now: Int64 = 0
            for step in 0..<20_000 {
                now += Int64(rng.next() % 20)
                switch rng.next() % 100 {
                case 0..<85:
                    // Coarse scores so that ties with the threshold happen.
                    let score = Double(rng.next() % 21) / 20, genuine = rng.next() % 2 == 0
                    let at = now - Int64(rng.next() % 100)
                    w.append(score: score, genuine: genuine, atMs: at)
                    naive.append(score: score, genuine: genuine, atMs: at)
                case 85..<97:
                    now += Int64(rng.next() % 300)
                    w.evict(nowMs: now)
                    naive.evict(now: now)
                default:
                    threshold = Double(rng.next() % 21) / 20
                    w.setThreshold(threshold)
                }
                #expect(w.counts == naive.counts(at: threshold), "seed \(seed) step \(step)")
                #expect(w.count == naive.rows.count)
                #expect(w.count <= maxCount)
                if step % 1_000 == 0 {
                    #expect(w.labelledScores() == LabelledScores(scores: naive.rows.map(\.score), genuine: naive.rows.map(\.genuine)))
                }
            }
        }
    }

    @Test("a row costs 24 bytes: the ring's stride, and the heap at a million rows")
    func memoryPerRow() {
        #expect(LabelledWindow.bytesPerRow == 24)
        #if canImport(Glibc)
        let n = 1_000_000
        guard let before = heapBytesInUse() else { return }
        var w = LabelledWindow(settings: .init(maxCount: n, maxAgeMs: .max), threshold: 0.5)
        for i in 0..<(2 * n) { w.append(score: Double(i % 1_000) / 1_000, genuine: i % 3 == 0, atMs: Int64(i)) }
        let bytes = Double(heapBytesInUse()! - before) / Double(n)
        // The heap delta is a diagnostic (suites running in parallel allocate too; alone it reads 24.0).
        print("LabelledWindow: heap \(bytes) B per row at \(n) rows")
        #expect(w.count == n)
        #expect(w.footprint <= 2 * n * LabelledWindow.bytesPerRow, "the ring never holds more than twice its rows: \(w.footprint)")
        #endif
    }
}

@Suite("Retrieval window")
struct RetrievalWindowTests {
    @Test("Recall@k equals a naive recount over the newest queries after random appends")
    func naive() {
        var rng = ScoreRNG(seed: 11)
        var window = RetrievalWindow(capacity: 100)
        var all: [Int] = []
        for _ in 0..<2000 {
            let rank = Int(rng.next() % 15)
            let appended = window.append(relevantRank: rank)
            #expect(appended)
            all.append(rank)
            let kept = all.suffix(100)
            for k in RetrievalWindow.ks {
                let naive = Double(kept.filter { $0 > 0 && $0 <= k }.count) / Double(kept.count)
                #expect(window.recall(at: k) == naive)
            }
        }
        let refused = !window.append(relevantRank: -1)
        #expect(refused && window.recall(at: 3) == nil)
    }
}

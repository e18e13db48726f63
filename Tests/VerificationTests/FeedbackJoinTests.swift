#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TwinwatchCore
@testable import Verification

#if canImport(Glibc)
/// Bytes the C heap has handed out (arena minus its free chunks, plus mmapped blocks), from glibc's
/// `malloc_info` report; nil when it is unavailable. (`mallinfo2` would be simpler, but it returns a
/// struct by value and `malloc.h` is not in the Glibc module.) Tests running in parallel add noise.
func heapBytesInUse() -> Int? {
    typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
    guard let symbol = dlsym(nil, "malloc_info") else { return nil }  // nil is RTLD_DEFAULT on glibc
    var buffer: UnsafeMutablePointer<CChar>?
    var length = 0
    guard let stream = open_memstream(&buffer, &length) else { return nil }
    let status = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
    fclose(stream)
    guard let buffer else { return nil }
    defer { free(buffer) }
    guard status == 0 else { return nil }
    // The totals over every arena follow the last </heap>.
    let report = String(cString: buffer)
    let totals = report[(report.ranges(of: "</heap>").last?.upperBound ?? report.startIndex)...]
    func total(_ tag: String) -> Int? {
        guard let start = totals.firstRange(of: tag)?.upperBound,
              let sizeStart = totals[start...].firstRange(of: "size=\"")?.upperBound,
              let sizeEnd = totals[sizeStart...].firstIndex(of: "\"") else { return nil }
        return Int(totals[sizeStart..<sizeEnd])
    }
    guard let fast = total("<total type=\"fast\""), let rest = total("<total type=\"rest\""),
          let mmapped = total("<total type=\"mmap\""), let current = total("<system type=\"current\"") else { return nil }
    return current - fast - rest + mmapped
}
#endif

@Suite("Feedback join")
struct FeedbackJoinTests {
    private func join(capacity: Int = 100, ttlMs: Int64 = 10_000, early: Int? = nil, earlyTTL: Int64 = 1_000) -> FeedbackJoin {
        FeedbackJoin(settings: .init(capacity: capacity, ttlMs: ttlMs, earlyLabelCapacity: early, earlyLabelTTLMs: earlyTTL))
    }

    @Test("an event then its label joins, carrying the event's fields")
    func matched() {
        var j = join()
        #expect(j.recordEvent(eventID: "e-1", model: "face", cohort: "eu", score: 0.81, decision: .accept, threshold: 0.7, atMs: 1_000) == nil)
        let outcome = j.recordLabel(eventID: "e-1", label: 1, atMs: 4_000)
        #expect(outcome == .joined(LabelledEvent(model: "face", cohort: "eu", score: 0.81, genuine: true, atMs: 1_000,
                                                 labelledAtMs: 4_000, decision: .accept, threshold: 0.7)))
        #expect(j.recordLabel(eventID: "e-1", label: 0, atMs: 4_500) == .duplicate)
        #expect(j.counters.joined[.matched] == 1)
        #expect(j.counters.unmatched[.duplicate] == 1)
        #expect(j.heldEvents == 1)
    }

    @Test("a label before its event waits and joins when the event comes (late_event)")
    func labelBeforeEvent() {
        var j = join()
        #expect(j.recordLabel(eventID: "e-2", label: 0, atMs: 1_000) == .pending)
        #expect(j.recordLabel(eventID: "e-2", label: 0, atMs: 1_100) == .duplicate)
        #expect(j.pendingLabels == 1)
        let joined = j.recordEvent(eventID: "e-2", model: "face", cohort: "us", score: 0.4, atMs: 1_200)
        #expect(joined == LabelledEvent(model: "face", cohort: "us", score: 0.4, genuine: false, atMs: 1_200, labelledAtMs: 1_000))
        #expect(j.pendingLabels == 0)
        #expect(j.counters.joined[.lateEvent] == 1)
        #expect(j.counters.unmatched[.duplicate] == 1)
        // The event is now labelled: a third label is a duplicate, not a new join.
        #expect(j.recordLabel(eventID: "e-2", label: 1, atMs: 1_300) == .duplicate)
        #expect(j.counters.unmatched[.duplicate] == 2)
        #expect(j.counters.unmatched[.orphan] == 0)
    }

    @Test("a label whose event never comes is an orphan when it leaves, by TTL or by capacity")
    func orphans() {
        var j = join(early: 2, earlyTTL: 1_000)
        #expect(j.recordLabel(eventID: "a", label: 1, atMs: 0) == .pending)
        j.advance(toMs: 1_000)
        #expect(j.counters.unmatched[.orphan] == 0)
        j.advance(toMs: 1_001)
        #expect(j.counters.unmatched[.orphan] == 1)
        #expect(j.pendingLabels == 0)
        // The event arriving after its label left waits for a label like any other.
        #expect(j.recordEvent(eventID: "a", model: "m", cohort: "c", score: 0.5, atMs: 1_002) == nil)

        for id in ["b", "c", "d"] { #expect(j.recordLabel(eventID: id, label: 1, atMs: 1_010) == .pending) }
        #expect(j.pendingLabels == 2)
        #expect(j.counters.unmatched[.orphan] == 2)
        // "b" was pushed out: its event finds no label; "c" still joins.
        #expect(j.recordEvent(eventID: "b", model: "m", cohort: "c", score: 0.5, atMs: 1_020) == nil)
        #expect(j.recordEvent(eventID: "c", model: "m", cohort: "c", score: 0.5, atMs: 1_020) != nil)

        var noWaiting = join(early: 0)
        #expect(noWaiting.recordLabel(eventID: "x", label: 1, atMs: 0) == .orphan)
        #expect(noWaiting.counters.unmatched[.orphan] == 1)
    }

    @Test("a label after its event's TTL is expired; after capacity pushed the event out, evicted")
    func expiredAndEvicted() {
        var j = join(capacity: 2, ttlMs: 10_000)
        _ = j.recordEvent(eventID: "old", model: "m", cohort: "c", score: 0.3, atMs: 0)
        j.advance(toMs: 10_000)
        #expect(j.heldEvents == 1)
        j.advance(toMs: 10_001)
        #expect(j.heldEvents == 0)
        #expect(j.recordLabel(eventID: "old", label: 1, atMs: 10_002) == .expired)
        #expect(j.counters.eventsExpired == 1)
        #expect(j.counters.unmatched[.expired] == 1)

        for (i, id) in ["p", "q", "r"].enumerated() {
            _ = j.recordEvent(eventID: id, model: "m", cohort: "c", score: 0.3, atMs: 10_100 + Int64(i))
        }
        #expect(j.heldEvents == 2)
        #expect(j.counters.eventsEvicted == 1)
        #expect(j.recordLabel(eventID: "p", label: 0, atMs: 10_200) == .evicted)
        #expect(j.recordLabel(eventID: "q", label: 0, atMs: 10_200) != .evicted)
        #expect(j.counters.unmatched[.evicted] == 1)

        // A labelled event that left is remembered as labelled: another label is a duplicate.
        _ = j.recordEvent(eventID: "s", model: "m", cohort: "c", score: 0.3, atMs: 10_300)
        _ = j.recordEvent(eventID: "t", model: "m", cohort: "c", score: 0.3, atMs: 10_300)
        #expect(j.recordLabel(eventID: "q", label: 1, atMs: 10_400) == .duplicate)
    }

    @Test("labels other than 0 and 1 are invalid")
    func invalid() {
        var j = join()
        _ = j.recordEvent(eventID: "e", model: "m", cohort: "c", score: 0.3, atMs: 0)
        #expect(j.recordLabel(eventID: "e", label: 2, atMs: 1) == .invalid)
        #expect(j.recordLabel(eventID: "e", label: -1, atMs: 1) == .invalid)
        #expect(j.selfContained(model: "m", cohort: "c", score: .nan, label: 1, atMs: 1) == .invalid)
        #expect(j.counters.unmatched[.invalid] == 3)
        #expect(j.recordLabel(eventID: "e", label: 1, atMs: 2) != .invalid)
    }

    @Test("inline-labelled events and self-contained feedback need no join")
    func direct() {
        var j = join()
        let event = InferenceEvent(eventID: "i-1", timestampMs: 500, model: "m", cohort: "c", score: 0.9,
                                   threshold: 0.7, decision: "accept", label: 1)
        #expect(j.record(event, atMs: 600) == .joined(LabelledEvent(model: "m", cohort: "c", score: 0.9, genuine: true,
                                                                    atMs: 500, labelledAtMs: 600, decision: .accept, threshold: 0.7)))
        #expect(j.record(event, atMs: 700) == nil)
        #expect(j.counters.eventsDuplicate == 1)
        #expect(j.record(.label(eventID: "i-1", label: 1, timestampMs: 650), atMs: 800) == .duplicate)
        #expect(j.record(.scored(model: "m", cohort: "c", score: 0.2, label: 0, timestampMs: 900), atMs: 900)
                == .joined(LabelledEvent(model: "m", cohort: "c", score: 0.2, genuine: false, atMs: 900)))
        #expect(j.record(.retrieval(eventID: "i-1", relevantRank: 1, timestampMs: 0), atMs: 900) == nil)
        #expect(j.record(InferenceEvent(eventID: "no-score", timestampMs: 0, model: "m", embedding: [1]), atMs: 900) == nil)
        #expect(j.counters.joined[.inline] == 1)
        #expect(j.counters.joined[.selfContained] == 1)
    }

    @Test("a random stream of a million operations never exceeds the bounds and accounts for every label")
    func boundedUnderRandomStream() {
        let settings = FeedbackJoin.Settings(capacity: 5_000, ttlMs: 20_000, earlyLabelCapacity: 400, earlyLabelTTLMs: 2_000,
                                             tombstoneCapacity: 3_000, tombstoneTTLMs: 30_000)
        var j = FeedbackJoin(settings: settings)
        var rng = ScoreRNG(seed: 7)
        var now: Int64 = 0
        var nextID = 0
        var labels = 0, joinedNow = 0, pendingNow = 0
        for op in 0..<1_000_000 {
            // Phases of slow and fast traffic: events leave by TTL in the first, by capacity in the second.
            now += Int64(rng.next() % (op / 100_000 % 2 == 0 ? 20 : 3))
            // Event times jitter backwards a little, as across partitions.
            let at = now - Int64(rng.next() % 50)
            let r = rng.next() % 100
            if r < 55 {
                nextID += 1
                if j.recordEvent(eventID: "e-\(nextID)", model: "m", cohort: "c\(nextID % 3)", score: rng.unit(), atMs: at) != nil {
                    joinedNow += 1
                }
            } else {
                // Mostly recent ids, some old, some not yet issued, a few invalid labels.
                let back = r < 85 ? Int(rng.next() % 200) : Int(rng.next() % 20_000)
                let id = r < 95 ? nextID - back : nextID + 1 + Int(rng.next() % 30)
                let label = r == 99 ? 7 : Int(rng.next() % 2)
                labels += 1
                if case .pending = j.recordLabel(eventID: "e-\(id)", label: label, atMs: at) { pendingNow += 1 }
            }
            #expect(j.heldEvents <= settings.capacity)
            #expect(j.pendingLabels <= settings.earlyLabelCapacity)
            #expect(j.rememberedDepartures <= settings.tombstoneCapacity)
        }
        let c = j.counters
        let unmatched = c.unmatched.values.reduce(0, +)
        #expect(labels == c.joined[.matched]! + c.joined[.lateEvent]! + unmatched + j.pendingLabels)
        #expect(joinedNow == c.joined[.lateEvent]!)
        // Every reason occurred, so each path was exercised.
        for reason in UnmatchedReason.allCases { #expect(c.unmatched[reason]! > 0, "\(reason)") }
        #expect(c.eventsExpired > 0 && c.eventsEvicted > 0 && pendingNow > 0)
    }

    #if canImport(Glibc)
    @Test("memory per held event, early label and tombstone, measured on the heap at a million each")
    func memoryPerEntry() throws {
        let n = 1_000_000
        let id = { (i: Int) in "event-id-\(i)-0123456789abcdef" }  // 35 B: ids this long would be heap strings
        var before = try #require(heapBytesInUse())
        var events = FeedbackJoin(settings: .init(capacity: n, ttlMs: .max, earlyLabelCapacity: 0, tombstoneCapacity: 0))
        for i in 0..<n { _ = events.recordEvent(eventID: id(i), model: "face-verify-production", cohort: "eu-mobile", score: 0.5, atMs: Int64(i)) }
        let perEvent = Double(heapBytesInUse()! - before) / Double(n)
        #expect(events.heldEvents == n)

        before = heapBytesInUse()!
        var labels = FeedbackJoin(settings: .init(capacity: 1, ttlMs: .max, earlyLabelCapacity: n, earlyLabelTTLMs: .max, tombstoneCapacity: 0))
        for i in 0..<n { _ = labels.recordLabel(eventID: id(i), label: i & 1, atMs: Int64(i)) }
        let perLabel = Double(heapBytesInUse()! - before) / Double(n)
        #expect(labels.pendingLabels == n)

        before = heapBytesInUse()!
        // TTL 0: each event leaves when the next arrives, into a tombstone.
        var departed = FeedbackJoin(settings: .init(capacity: n, ttlMs: 0, earlyLabelCapacity: 0, tombstoneCapacity: n, tombstoneTTLMs: .max))
        for i in 0...n { _ = departed.recordEvent(eventID: id(i), model: "m", cohort: "c", score: 0.5, atMs: Int64(i)) }
        let perTombstone = Double(heapBytesInUse()! - before) / Double(n)
        #expect(departed.rememberedDepartures == n)

        // The heap deltas are a diagnostic (suites running in parallel allocate too: alone they read
        // ~101, ~66 and ~36 B); the storage accounting is what must stay bounded.
        print("FeedbackJoin at \(n): heap \(perEvent) B per held event, \(perLabel) B per early label, \(perTombstone) B per tombstone")
        let (e, l, t) = (Double(events.footprint) / Double(n), Double(labels.footprint) / Double(n), Double(departed.footprint) / Double(n))
        print("FeedbackJoin at \(n): storage \(e) B per held event, \(l) B per early label, \(t) B per tombstone")
        #expect(e > 16 && e < 160 && l > 8 && l < 120 && t > 8 && t < 80, "\(e) \(l) \(t)")
    }
    #endif
}

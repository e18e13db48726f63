import Alerting
import StateStore
import Monitor
import Testing

@Suite("Rolling window and alert state")
struct RollingWindowTests {
    @Test("keeps the newest rows in arrival order, with sequence numbers")
    func ringOrder() {
        var window = RollingWindow(capacity: 3, dimension: 2)
        for i in 0..<5 { window.append([Float(i), Float(-i)], timestampMs: Int64(100 + i), score: Float(i)) }
        #expect(window.count == 3 && window.appended == 5 && window.oldestSeq == 2)
        #expect(window.matrix().values == [2, -2, 3, -3, 4, -4])
        #expect(window.newest(2).matrix.values == [3, -3, 4, -4])
        #expect(window.newest(2).scores == [3, 4])
        let since = window.rows(from: 3)
        #expect(since.firstSeq == 3 && since.timestamps == [103, 104])
        // Asking for evicted rows gives what is held.
        #expect(window.rows(from: 0).firstSeq == 2)
        var partial = RollingWindow(capacity: 3, dimension: 1)
        partial.append([7])
        #expect(partial.matrix().rows == 1)
        #expect(partial.matrix().values == [7])
    }

    @Test("a restored window continues the sequence and keeps only its capacity")
    func restore() {
        var original = RollingWindow(capacity: 4, dimension: 1)
        for i in 0..<6 { original.append([Float(i)], timestampMs: Int64(i), score: .nan) }
        var restored = RollingWindow(capacity: 3, dimension: 1, restoring: original.rows(from: 0), appended: original.appended)
        #expect(restored.appended == 6 && restored.matrix().values == [3, 4, 5])
        restored.append([6])
        #expect(restored.appended == 7 && restored.matrix().values == [4, 5, 6])
    }

    @Test("time bound counts the rows within the duration of the newest")
    func timeBound() {
        var window = RollingWindow(capacity: 10, dimension: 1)
        for t in [0, 1000, 2000, 2500, 3000] as [Int64] { window.append([0], timestampMs: t, score: .nan) }
        #expect(window.rowsWithin(milliseconds: 1000) == 3)
        #expect(window.rowsWithin(milliseconds: 10_000) == 5)
    }

    @Test("fingerprints ignore label order and differ by value")
    func fingerprint() {
        let a = Fingerprint.of(rule: "R", labels: ["model": "m", "cohort": "c"])
        let b = Fingerprint.of(rule: "R", labels: ["cohort": "c", "model": "m"])
        #expect(a == b)
        #expect(a.count == 16)
        #expect(a != Fingerprint.of(rule: "R", labels: ["model": "m", "cohort": "d"]))
    }
}

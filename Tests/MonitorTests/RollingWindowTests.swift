import Alerting
import Monitor
import Testing

@Suite("Rolling window and alert state")
struct RollingWindowTests {
    @Test("keeps the newest rows in arrival order")
    func ringOrder() {
        var window = RollingWindow(capacity: 3, dimension: 2)
        for i in 0..<5 { window.append([Float(i), Float(-i)]) }
        #expect(window.count == 3)
        #expect(window.matrix().values == [2, -2, 3, -3, 4, -4])
        var partial = RollingWindow(capacity: 3, dimension: 1)
        partial.append([7])
        #expect(partial.matrix().rows == 1)
        #expect(partial.matrix().values == [7])
    }

    @Test("threshold rule fires once, then resolves")
    func thresholdState() {
        var state = ThresholdAlertState()
        #expect(state.observe(value: 0.1, threshold: 0.5, atMs: 1) == .none)
        #expect(state.observe(value: 0.6, threshold: 0.5, atMs: 2) == .fire(startedAtMs: 2))
        #expect(state.observe(value: 0.9, threshold: 0.5, atMs: 3) == .none)
        #expect(state.isFiring)
        #expect(state.observe(value: 0.2, threshold: 0.5, atMs: 4) == .resolve(startedAtMs: 2))
        #expect(!state.isFiring)
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

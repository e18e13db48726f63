import Testing
import TwinwatchCore

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test("formatting is exact to the millisecond and parses back", arguments: [
        Int64(0), 1, 999, 1_795_600_800_123, 1_700_000_000_001, -1, -1001,
    ])
    func roundTrip(millis: Int64) {
        let text = RFC3339.string(millis: millis)
        #expect(RFC3339.millis(text) == millis, "\(text)")
    }

    @Test("a seeded sweep of instants round-trips exactly")
    func sweep() {
        var x: UInt64 = 12345
        for _ in 0..<2000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            let millis = Int64(x >> 23)  // up to ~2.2e12 ms: years 1970…2039
            #expect(RFC3339.millis(RFC3339.string(millis: millis)) == millis)
        }
    }

    @Test("known text")
    func known() {
        #expect(RFC3339.string(millis: 1_795_600_800_123) == "2026-11-25T10:00:00.123Z")
        #expect(RFC3339.millis("2026-11-25T10:00:00Z") == 1_795_600_800_000)
    }
}

import Alerting
import Testing

/// The drift rule's sustained breach: disjoint windows count, overlapping ones neither count nor reset.
@Suite struct SustainedBreachTests {
    @Test func countsOnlyDisjointBreachingWindows() {
        var s = SustainedBreach(required: 2)
        // Windows of 100 rows evaluated every 30 new rows: (breached, window end) → sustained, count.
        let steps: [(Bool, Int64, Bool, Int)] = [
            (true, 100, false, 1),  // counted
            (true, 130, false, 1),  // overlaps the counted window: neither counts nor resets
            (true, 190, false, 1),  // starts at 90 < 100: still overlapping
            (true, 200, true, 2),   // starts at 100: disjoint, counted → sustained
            (true, 230, true, 2),   // an overlapping breach keeps it sustained
            (false, 260, false, 0), // a clean window resets
            (true, 290, false, 1),
        ]
        for (breached, end, sustained, count) in steps {
            let result = s.observe(breached: breached, windowEnd: end, windowRows: 100)
            #expect(result == sustained && s.count == count, "window ending at \(end)")
        }
    }

    @Test func oneRequiredIsTheFirstBreach() {
        var s = SustainedBreach(required: 1)
        let first = s.observe(breached: true, windowEnd: 10, windowRows: 10)
        let clean = s.observe(breached: false, windowEnd: 11, windowRows: 10)
        #expect(first && !clean)
        #expect(SustainedBreach(required: 0).required == 1)
    }
}

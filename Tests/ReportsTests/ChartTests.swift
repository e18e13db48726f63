import DriftEstimators
import Foundation
import Testing
@testable import Reports

@Suite("Formatting, scales, downsampling, charts", .serialized)
struct ChartTests {
    @Test("Fixed decimals without locale, rounding half away from zero")
    func fixed() {
        #expect(ReportFormat.fixed(1.25, 1) == "1.3")
        #expect(ReportFormat.fixed(-1.25, 1) == "-1.3")
        #expect(ReportFormat.fixed(-0.04, 1) == "0.0")
        #expect(ReportFormat.fixed(0.018 * 100, 1) == "1.8")
        #expect(ReportFormat.fixed(123_456.789, 2) == "123456.79")
        #expect(ReportFormat.fixed(0.000_5, 4) == "0.0005")
        #expect(ReportFormat.fixed(7, 0) == "7")
        #expect(ReportFormat.fixed(.nan, 2) == "–")
        // Against printf: equal, or (at an exact binary tie printf rounds to even) within half a unit.
        var rng = SplitMix64(seed: 3)
        for _ in 0 ..< 2000 {
            let v = (rng.unit() - 0.5) * pow(10, Double(Int(rng.unit() * 10)) - 4)
            let ours = ReportFormat.fixed(v, 3)
            #expect(ours == String(format: "%.3f", v) || abs(Double(ours)! - v) <= 0.0005 + 1e-12, "\(v): \(ours)")
        }
    }

    @Test("Compact numbers, p-values, percents, durations")
    func compact() {
        #expect(ReportFormat.compact(0.00123) == "0.00123")
        #expect(ReportFormat.compact(42.5) == "42.5")
        #expect(ReportFormat.compact(1.2e-7) == "1.2e-07")
        #expect(ReportFormat.pValue(0.001) == "0.001")
        #expect(ReportFormat.pValue(0.0003) == "0.0003")
        #expect(ReportFormat.pValue(1.0 / 201) == "0.005")
        #expect(ReportFormat.percentDecimals(0.018, 0.013, 0.025) == 1)
        #expect(ReportFormat.percentDecimals(0.0012) == 2)
        #expect(ReportFormat.percentTrimmed(0.01) == "1")
        #expect(ReportFormat.percentTrimmed(0.001) == "0.1")
        #expect(ReportFormat.duration(ms: 7 * 86_400_000) == "7 days")
        #expect(ReportFormat.duration(ms: 86_400_000) == "1 day")
        #expect(ReportFormat.duration(ms: 36 * 3_600_000) == "1.5 days")
        #expect(ReportFormat.duration(ms: 3 * 3_600_000) == "3 hours")
        #expect(ReportFormat.duration(ms: 600_000) == "10 minutes")
    }

    @Test("UTC calendar times from epoch milliseconds (references from Python's datetime)")
    func utc() {
        #expect(ReportFormat.utc(ms: 0) == "1970-01-01 00:00 UTC")
        #expect(ReportFormat.utc(ms: -1) == "1969-12-31 23:59:59 UTC")
        #expect(ReportFormat.utc(ms: 1_795_000_123_456) == "2026-11-18 11:08:43 UTC")
        #expect(ReportFormat.utc(ms: 951_782_400_000) == "2000-02-29 00:00 UTC")
        #expect(ReportFormat.utc(ms: 4_102_444_799_999) == "2099-12-31 23:59:59 UTC")
        #expect(ReportFormat.utc(ms: SyntheticReport.start) == "2026-11-18 00:00 UTC")
    }

    @Test("Scales: nice linear ticks, decades on log10, UTC days on a week")
    func scales() {
        let linear = ChartScale(.linear, covering: [0.013, 0.087], from: 0, to: 100, maxTicks: 5)
        #expect(linear.ticks.map(\.label) == ["0.00", "0.02", "0.04", "0.06", "0.08", "0.10"])
        #expect(linear.position(0) == 0 && linear.position(0.1) == 100 && linear.position(5) == 100)
        let log = ChartScale(.log10, covering: [0.0003, 0.5, 0], from: 300, to: 0, maxTicks: 8)
        #expect(log.ticks.map(\.label) == ["0.0001", "0.001", "0.01", "0.1", "1"])
        #expect(log.position(0.01) == 150 && log.position(0) == 300)
        let week = ChartScale(.time, covering: [Double(SyntheticReport.start), Double(SyntheticReport.start + SyntheticReport.week)],
                              from: 0, to: 700, maxTicks: 8)
        #expect(week.ticks.map(\.label) == ["11-18", "11-19", "11-20", "11-21", "11-22", "11-23", "11-24", "11-25"])
        let hour = ChartScale(.time, covering: [Double(SyntheticReport.start), Double(SyntheticReport.start + 3_600_000)],
                              from: 0, to: 700, maxTicks: 8)
        #expect(hour.ticks.first?.label == "00:00" && hour.ticks.count == 7)
    }

    @Test("Min/max downsampling: ≤ maxPoints, keeps the extremes and every excursion below a level")
    func downsampling() {
        var rng = SplitMix64(seed: 11)
        let n = 60_480, level = 0.001
        let x = (0 ..< n).map(Double.init)
        var y = (0 ..< n).map { _ in 0.01 + rng.unit() }
        let dips = [17, 5_000, 5_001, 33_333, 60_479]
        for i in dips { y[i] = 1e-5 }
        y[40_000] = 50
        let (dx, dy) = Downsample.minMax(x: x, y: y, maxPoints: 600)
        #expect(dx.count <= 600 && dx == dx.sorted())
        #expect(dy.contains(50) && dy.contains(1e-5))
        // Each dip's bucket (width n / 300) still shows a point below the level.
        let width = Double(n) / 300
        for i in dips {
            let bucket = Int(Double(i) / width)
            #expect(zip(dx, dy).contains { Int($0.0 / width) == bucket && $0.1 < level }, "dip at \(i) lost")
        }
        // Short series are kept whole.
        #expect(Downsample.minMax(x: [1, 2, 3], y: [3, .nan, 1], maxPoints: 600).x == [1, 2, 3])
    }

    @Test("A line breaks at missing values")
    func gapsBreakLines() {
        let x = ChartScale(.linear, covering: [0, 4], from: 0, to: 40), y = ChartScale(.linear, covering: [0, 4], from: 40, to: 0)
        #expect(LineChart.path([0, 1, 2, 3], [1, .nan, 2, 3], x: x, y: y, step: false) == "M0.0 30.0M20.0 20.0L30.0 10.0")
        #expect(LineChart.path([0, 1], [1, 2], x: x, y: y, step: true) == "M0.0 30.0L10.0 30.0L10.0 20.0")
    }

    @Test("Escaping of text and attributes, and characters XML forbids")
    func escape() {
        #expect(Markup.escape("<a href=\"x\">O'Neil & co</a>") == "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;")
        #expect(Markup.escape("bell\u{7}tab\t") == "bell\u{FFFD}tab\t")
        #expect(Markup.escape("plain: ünïcödé") == "plain: ünïcödé")
    }

    @Test("A single-series chart has no legend; several series do")
    func legend() {
        let one = LineChart(title: "t", xLabel: "x (s)", yLabel: "y (m)", xKind: .linear, series: [.init(name: "a", x: [0, 1], y: [0, 1])])
        #expect(!one.render().contains("class=\"legend\""))
        let two = LineChart(title: "t", xLabel: "x (s)", yLabel: "y (m)", xKind: .linear,
                            series: [.init(name: "a", x: [0, 1], y: [0, 1]), .init(name: "b", x: [0, 1], y: [1, 0])])
        #expect(two.render().contains("class=\"legend\""))
    }
}

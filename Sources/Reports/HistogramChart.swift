/// Two distributions on shared bins, overlaid: the first filled, the second as an outlined step
/// (baseline vs current of one projection). Counts are shown as shares of each series' total, so
/// samples of different sizes compare.
struct HistogramChart: SVGChart {
    var title: String
    var xLabel: String
    var yLabel = "share of rows (%)"
    /// Bin edges, ascending, one more than each series' counts.
    var edges: [Double]
    var series: [(name: String, counts: [Int])]
    var width = 460.0
    var height = 280.0

    func render() -> String {
        let bins = max(edges.count - 1, 0)
        let shares = series.map { s -> [Double] in
            let total = Double(s.counts.prefix(bins).reduce(0, +))
            return s.counts.prefix(bins).map { total > 0 ? 100 * Double($0) / total : 0 }
        }
        let legend = series.enumerated().map { i, s in
            ChartFrame.LegendEntry(name: s.name, colour: Palette.colour(i), swatch: i == 0 ? .box : .line(dash: nil))
        }
        func yScale(_ from: Double, _ to: Double) -> ChartScale {
            ChartScale(.linear, covering: shares.flatMap { $0 }, from: from, to: to, includeZero: true, padding: 0.04, maxTicks: 5)
        }
        let frame = ChartFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend,
                               leftExtra: ChartFrame.leftExtra(forLabels: yScale(1, 0).widestLabel))
        let x = ChartScale(.linear, covering: [edges.first ?? 0, edges.last ?? 1], from: frame.plotLeft, to: frame.plotRight, maxTicks: 5)
        let y = yScale(frame.plotBottom, frame.plotTop)

        var m = Markup(capacity: 4096 + bins * 200)
        frame.open(into: &m)
        frame.axes(x: x, y: y, into: &m)
        for (i, share) in shares.enumerated() where !share.isEmpty {
            let colour = Palette.colour(i)
            if i == 0 {
                m.open("g", ["class": "bins", "fill": colour, "fill-opacity": "0.35", "stroke": colour, "stroke-width": "0.5"])
                for (k, v) in share.enumerated() {
                    let a = x.position(edges[k]), b = x.position(edges[k + 1]), top = y.position(v)
                    m.empty("rect", ["x": fmt(a), "y": fmt(top), "width": fmt(max(b - a, 0)), "height": fmt(y.position(0) - top)])
                }
                m.close("g")
            } else {
                var d = "M\(fmt(x.position(edges[0]))) \(fmt(y.position(0)))"
                for (k, v) in share.enumerated() {
                    let py = fmt(y.position(v))
                    d += "L\(fmt(x.position(edges[k]))) \(py)L\(fmt(x.position(edges[k + 1]))) \(py)"
                }
                d += "L\(fmt(x.position(edges[share.count]))) \(fmt(y.position(0)))"
                m.empty("path", ["class": "series", "d": d, "fill": "none", "stroke": colour, "stroke-width": "2"])
            }
        }
        frame.close(into: &m)
        return m.text
    }
}

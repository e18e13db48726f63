/// Horizontal bars, one per category, largest first as given (the top-20 per-dimension W1).
/// Horizontal so that category labels stay readable without rotation.
struct BarChart: SVGChart {
    var title: String
    /// The value axis (horizontal).
    var valueLabel: String
    /// The category axis (vertical).
    var categoryLabel: String
    var categories: [String]
    var values: [Double]
    var width = 960.0
    var colour = Palette.colour(0)

    func render() -> String {
        let n = min(categories.count, values.count)
        let longest = categories.prefix(n).map(\.count).max() ?? 0
        let rowHeight = 18.0
        let probe = ChartFrame(width: width, height: 0, title: title, xLabel: valueLabel, yLabel: categoryLabel, legend: [])
        let frame = ChartFrame(width: width, height: probe.plotTop + rowHeight * Double(max(n, 1)) + 48, title: title, xLabel: valueLabel,
                               yLabel: categoryLabel, legend: [], leftExtra: ChartFrame.leftExtra(forLabels: longest))
        let x = ChartScale(.linear, covering: Array(values.prefix(n)), from: frame.plotLeft, to: frame.plotRight, includeZero: true)

        var m = Markup(capacity: 4096 + n * 300)
        frame.open(into: &m)
        frame.axes(x: x, y: nil, into: &m)
        m.open("g", ["class": "bars", "fill": colour])
        for i in 0 ..< n {
            let top = frame.plotTop + Double(i) * rowHeight + 3, x0 = x.position(0), x1 = x.position(values[i])
            m.open("g")
            m.element("title", "\(categories[i]): \(ReportFormat.compact(values[i], significant: 4))")
            m.empty("rect", ["x": fmt(min(x0, x1)), "y": fmt(top), "width": fmt(abs(x1 - x0)), "height": fmt(rowHeight - 6)])
            m.close("g")
        }
        m.close("g")
        m.open("g", ["class": "y-ticks", "text-anchor": "end"])
        for i in 0 ..< n {
            m.element("text", ["x": fmt(frame.plotLeft - 8), "y": fmt(frame.plotTop + (Double(i) + 0.5) * rowHeight + 4)], categories[i])
        }
        m.close("g")
        frame.close(into: &m)
        return m.text
    }
}

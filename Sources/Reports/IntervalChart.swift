/// One value per category with its confidence interval as an error bar (rates per cohort), and an
/// optional target line (the FAR target).
struct IntervalChart: SVGChart {
    var title: String
    var xLabel = "cohort"
    var yLabel: String
    var categories: [String]
    /// Per category: value, lower, upper in percent (the axis stays within 0…100); nil: not defined for it.
    var values: [(value: Double, lower: Double, upper: Double)?]
    var target: (value: Double, label: String)? = nil
    /// Anchor the axis at 0 (error rates); rates near 100 % (recall, precision) are clearer without.
    var includeZero = true
    var width = 960.0
    var height = 280.0

    func render() -> String {
        var legend = [ChartFrame.LegendEntry(name: "estimate with 95 % interval", colour: Palette.colour(0), swatch: .dot)]
        if let target { legend.append(.init(name: target.label, colour: Palette.level, swatch: .line(dash: "6 4"))) }
        let covered = values.compactMap { $0 }.flatMap { [$0.lower, $0.upper, $0.value] } + (target.map { [$0.value] } ?? [])
        func yScale(_ from: Double, _ to: Double) -> ChartScale {
            ChartScale(.linear, covering: covered, from: from, to: to, includeZero: includeZero, padding: 0.04, limits: 0...100, maxTicks: 5)
        }
        let frame = ChartFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend,
                               leftExtra: ChartFrame.leftExtra(forLabels: yScale(1, 0).widestLabel))
        let y = yScale(frame.plotBottom, frame.plotTop)
        let n = categories.count, slot = (frame.plotRight - frame.plotLeft) / Double(max(n, 1))
        let maxChars = max(Int(slot / ChartFrame.charWidth) - 1, 3)

        var m = Markup(capacity: 4096 + n * 600)
        frame.open(into: &m)
        frame.axes(x: nil, y: y, into: &m)
        if let target {
            let py = fmt(y.position(target.value))
            m.empty("line", ["class": "rule", "x1": fmt(frame.plotLeft), "y1": py, "x2": fmt(frame.plotRight), "y2": py, "stroke": Palette.level,
                             "stroke-width": "1.5", "stroke-dasharray": "6 4"])
        }
        m.open("g", ["class": "x-ticks", "text-anchor": "middle"])
        for (i, name) in categories.enumerated() {
            let cx = frame.plotLeft + (Double(i) + 0.5) * slot
            let shown = name.count > maxChars ? String(name.prefix(maxChars - 1)) + "…" : name
            m.element("text", ["x": fmt(cx), "y": fmt(frame.plotBottom + 18)], shown)
        }
        m.close("g")
        for (i, entry) in values.prefix(n).enumerated() {
            guard let entry else { continue }
            let cx = frame.plotLeft + (Double(i) + 0.5) * slot
            let lo = y.position(entry.lower), hi = y.position(entry.upper), v = y.position(entry.value)
            m.open("g", ["class": "interval", "stroke": Palette.colour(0), "stroke-width": "1.5"])
            m.element("title", "\(categories[i]): \(ReportFormat.compact(entry.value)) [\(ReportFormat.compact(entry.lower)), "
                + "\(ReportFormat.compact(entry.upper))]")
            m.empty("line", ["x1": fmt(cx), "y1": fmt(lo), "x2": fmt(cx), "y2": fmt(hi)])
            m.empty("line", ["x1": fmt(cx - 6), "y1": fmt(lo), "x2": fmt(cx + 6), "y2": fmt(lo)])
            m.empty("line", ["x1": fmt(cx - 6), "y1": fmt(hi), "x2": fmt(cx + 6), "y2": fmt(hi)])
            m.empty("circle", ["cx": fmt(cx), "cy": fmt(v), "r": "4", "fill": Palette.colour(0)])
            m.close("g")
        }
        frame.close(into: &m)
        return m.text
    }
}

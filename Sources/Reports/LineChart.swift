/// A plot the report draws as one self-contained `<svg>` element.
protocol SVGChart {
    /// The chart's SVG markup, well-formed XML, deterministic for the same input.
    func render() -> String
}

/// Lines over a time (or linear) x axis, on a linear or log10 y axis, with horizontal reference
/// lines (a p-value level, baseline values), shaded x spans (windows below the level) and vertical
/// event markers (alerts). Long series are downsampled (`Downsample.minMax`).
struct LineChart: SVGChart {
    struct Series {
        let name: String
        let x: [Double]
        let y: [Double]
        /// Draw as a step function (value holds until the next point), e.g. a threshold in force.
        var step = false
        /// Colour index into `Palette`; nil: the series' position.
        var colourIndex: Int? = nil
    }

    /// A horizontal line at `value`, labelled at its right end.
    struct Rule {
        let value: Double
        let label: String
        var colour = Palette.level
        var dash = "6 4"
    }

    /// A vertical marker at `x`; `detail` is its tooltip.
    struct Marker {
        let x: Double
        let detail: String
        let firing: Bool
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xKind: ChartScale.Kind = .time
    var yKind: ChartScale.Kind = .linear
    var series: [Series]
    var rules: [Rule] = []
    /// One legend entry standing for all rules (e.g. "baseline value, dashed"); nil: one entry per rule.
    var rulesLegend: String? = nil
    var markers: [Marker] = []
    /// Shaded x spans and their legend name.
    var bands: [(from: Double, to: Double)] = []
    var bandsLegend = "below the level"
    /// The x range to show (shared by related plots); nil: the data's.
    var xDomain: ClosedRange<Double>? = nil
    var width = 960.0
    var height = 300.0
    /// Most points drawn per line.
    var maxPoints = 600

    func render() -> String {
        let lines = series.map { s in Downsample.minMax(x: s.x, y: s.y, maxPoints: maxPoints) }
        var xs = lines.flatMap { [$0.x.first, $0.x.last].compactMap { $0 } } + markers.map(\.x)
        if let xDomain { xs = [xDomain.lowerBound, xDomain.upperBound] }
        // Series are solid: dense time series zigzag, and dashes on them only add noise.
        var legend = series.enumerated().map { i, s in
            ChartFrame.LegendEntry(name: s.name, colour: Palette.colour(s.colourIndex ?? i), swatch: .line(dash: nil))
        }
        if let rulesLegend, !rules.isEmpty {
            legend.append(.init(name: rulesLegend, colour: Palette.reference, swatch: .line(dash: "6 4")))
        } else {
            legend += rules.map { .init(name: $0.label, colour: $0.colour, swatch: .line(dash: $0.dash)) }
        }
        if !bands.isEmpty { legend.append(.init(name: bandsLegend, colour: Palette.level, swatch: .band)) }
        if markers.contains(where: \.firing) { legend.append(.init(name: "alert firing", colour: Palette.alertFiring, swatch: .line(dash: nil))) }
        if markers.contains(where: { !$0.firing }) {
            legend.append(.init(name: "alert resolved", colour: Palette.alertResolved, swatch: .line(dash: "3 3")))
        }
        let yValues = lines.flatMap(\.y) + rules.map(\.value)
        func yScale(_ from: Double, _ to: Double) -> ChartScale {
            ChartScale(yKind, covering: yValues, from: from, to: to, padding: 0.04, maxTicks: yKind == .log10 ? 8 : 5)
        }
        let frame = ChartFrame(width: width, height: height, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend,
                               leftExtra: ChartFrame.leftExtra(forLabels: yScale(1, 0).widestLabel))
        let x = ChartScale(xKind, covering: xs, from: frame.plotLeft, to: frame.plotRight, maxTicks: xKind == .time ? 8 : 6)
        let y = yScale(frame.plotBottom, frame.plotTop)

        var m = Markup(capacity: 16_384 + lines.reduce(0) { $0 + $1.x.count * 14 })
        frame.open(into: &m)
        if !bands.isEmpty {
            m.open("g", ["class": "bands", "fill": Palette.level, "fill-opacity": "0.15"])
            for band in bands {
                let a = x.position(band.from), b = max(x.position(band.to), a + 1)  // at least a pixel wide
                m.empty("rect", ["x": fmt(a), "y": fmt(frame.plotTop), "width": fmt(b - a), "height": fmt(frame.plotBottom - frame.plotTop)])
            }
            m.close("g")
        }
        frame.axes(x: x, y: y, into: &m)
        for (i, line) in lines.enumerated() {
            let path = Self.path(line.x, line.y, x: x, y: y, step: series[i].step)
            guard !path.isEmpty else { continue }
            m.empty("path", ["class": "series", "d": path, "fill": "none", "stroke": Palette.colour(series[i].colourIndex ?? i),
                             "stroke-width": "1.2"])
        }
        for rule in rules {
            let py = y.position(rule.value)
            m.open("g", ["class": "rule"])
            m.element("title", rule.label)
            m.empty("line", ["x1": fmt(frame.plotLeft), "y1": fmt(py), "x2": fmt(frame.plotRight), "y2": fmt(py),
                             "stroke": rule.colour, "stroke-width": "1.5", "stroke-dasharray": rule.dash])
            // Several rules sharing one legend entry could overlap their labels: their values are in the tooltips.
            if rulesLegend == nil {
                m.element("text", ["x": fmt(frame.plotRight - 4), "y": fmt(py - 4), "text-anchor": "end", "fill": rule.colour], rule.label)
            }
            m.close("g")
        }
        for marker in markers {
            let px = fmt(x.position(marker.x)), colour = marker.firing ? Palette.alertFiring : Palette.alertResolved
            m.open("g", ["class": marker.firing ? "alert-firing" : "alert-resolved"])
            m.element("title", marker.detail)
            if marker.firing {
                m.empty("line", ["x1": px, "y1": fmt(frame.plotTop), "x2": px, "y2": fmt(frame.plotBottom), "stroke": colour, "stroke-width": "1.5"])
            } else {
                m.empty("line", ["x1": px, "y1": fmt(frame.plotTop), "x2": px, "y2": fmt(frame.plotBottom), "stroke": colour, "stroke-width": "1.5",
                                 "stroke-dasharray": "3 3"])
            }
            let cx = x.position(marker.x), top = frame.plotTop
            m.empty("path", ["d": "M\(fmt(cx - 5)) \(fmt(top - 7))L\(fmt(cx + 5)) \(fmt(top - 7))L\(fmt(cx)) \(fmt(top))Z", "fill": colour])
            m.close("g")
        }
        frame.close(into: &m)
        return m.text
    }

    /// SVG path data through the points; NaN y lifts the pen.
    static func path(_ xs: [Double], _ ys: [Double], x: ChartScale, y: ChartScale, step: Bool) -> String {
        var d = ""
        d.reserveCapacity(xs.count * 14)
        var penDown = false, lastY = ""
        for i in xs.indices {
            guard !ys[i].isNaN else {
                penDown = false
                continue
            }
            let px = fmt(x.position(xs[i])), py = fmt(y.position(ys[i]))
            if !penDown {
                d += "M\(px) \(py)"
                penDown = true
            } else if step {
                d += "L\(px) \(lastY)L\(px) \(py)"
            } else {
                d += "L\(px) \(py)"
            }
            lastY = py
        }
        return d
    }
}

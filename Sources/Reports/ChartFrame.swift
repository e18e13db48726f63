/// What every plot has (DESIGN §9, the "titles, axis labels and units"): the `<svg>` root with
/// `role="img"`, `aria-label` and a `<title>`, the visible title, a legend when there is more than
/// one entry, the plot area, and the axes with ticks, tick labels and axis labels.
///
/// Layout is computed from estimated text widths (no font metrics offline), generously, so labels
/// never overlap the plot.
struct ChartFrame {
    /// One legend entry: a swatch in the series' style and its name.
    struct LegendEntry {
        enum Swatch { case line(dash: String?), box, dot, band }
        let name: String
        let colour: String
        let swatch: Swatch
    }

    let width: Double
    let height: Double
    let title: String
    let xLabel: String
    let yLabel: String
    let legend: [LegendEntry]
    /// Extra room at the left for long category labels (horizontal bars).
    let leftExtra: Double

    /// Font size of tick and legend text, px; the width per character is estimated as 0.6 of it
    /// (0.64 for the margin beside tick labels: digits are the widest common glyphs).
    static let fontSize = 12.0
    static let charWidth = 7.2

    /// The extra left margin for y tick (or category) labels of `characters`: the rotated y-axis label
    /// takes the first 28 px, the labels end 8 px left of the axis.
    static func leftExtra(forLabels characters: Int) -> Double { max(0, Double(characters) * 7.7 - 36) }

    /// The plot area, after the title, legend rows and axis margins.
    let plotLeft: Double, plotTop: Double, plotRight: Double, plotBottom: Double
    private let legendRows: [[(entry: LegendEntry, x: Double)]]

    init(width: Double, height: Double, title: String, xLabel: String, yLabel: String, legend: [LegendEntry], leftExtra: Double = 0) {
        self.width = width
        self.height = height
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.legend = legend
        self.leftExtra = leftExtra
        plotLeft = 72 + leftExtra
        plotRight = width - 20
        // Legend entries flow left to right under the title, wrapping at the plot's width.
        var rows: [[(entry: LegendEntry, x: Double)]] = []
        if legend.count > 1 {
            var row: [(entry: LegendEntry, x: Double)] = [], x = plotLeft
            for entry in legend {
                let w = 28 + Double(entry.name.count) * Self.charWidth + 16
                if x + w > plotRight, !row.isEmpty {
                    rows.append(row)
                    row = []
                    x = plotLeft
                }
                row.append((entry, x))
                x += w
            }
            rows.append(row)
        }
        legendRows = rows
        plotTop = 34 + Double(rows.count) * 18 + 10
        plotBottom = height - 48
    }

    /// Opens the `<svg>` and writes title and legend; the caller draws, then calls `close`.
    func open(into m: inout Markup) {
        // No xmlns: the HTML parser puts inline <svg> in the SVG namespace itself, and the document then
        // holds no URL at all.
        m.open("svg", ["class": "chart", "role": "img", "aria-label": "\(title). x: \(xLabel); y: \(yLabel)",
                       "width": fmt(width), "height": fmt(height), "viewBox": "0 0 \(fmt(width)) \(fmt(height))",
                       "font-family": "sans-serif", "font-size": fmt(Self.fontSize)])
        m.element("title", title)
        m.element("text", ["class": "chart-title", "x": fmt(width / 2), "y": "20", "text-anchor": "middle", "font-size": "15",
                           "font-weight": "bold"], title)
        for (r, row) in legendRows.enumerated() {
            let y = 38 + Double(r) * 18
            m.open("g", ["class": "legend"])
            for (entry, x) in row {
                switch entry.swatch {
                case .line(let dash):
                    if let dash {
                        m.empty("line", ["x1": fmt(x), "y1": fmt(y), "x2": fmt(x + 22), "y2": fmt(y), "stroke": entry.colour, "stroke-width": "2",
                                         "stroke-dasharray": dash])
                    } else {
                        m.empty("line", ["x1": fmt(x), "y1": fmt(y), "x2": fmt(x + 22), "y2": fmt(y), "stroke": entry.colour, "stroke-width": "2"])
                    }
                case .box:
                    m.empty("rect", ["x": fmt(x + 4), "y": fmt(y - 6), "width": "14", "height": "12", "fill": entry.colour, "fill-opacity": "0.6",
                                     "stroke": entry.colour])
                case .dot:
                    m.empty("circle", ["cx": fmt(x + 11), "cy": fmt(y), "r": "4", "fill": entry.colour])
                case .band:
                    m.empty("rect", ["x": fmt(x + 4), "y": fmt(y - 6), "width": "14", "height": "12", "fill": entry.colour, "fill-opacity": "0.25"])
                }
                m.element("text", ["x": fmt(x + 28), "y": fmt(y + 4)], entry.name)
            }
            m.close("g")
        }
    }

    /// Gridlines, ticks with labels, the axis lines and the axis labels; a nil scale's gridlines and
    /// ticks are left to the caller (category axes).
    func axes(x: ChartScale?, y: ChartScale?, into m: inout Markup) {
        m.open("g", ["class": "grid", "stroke": "#e4e4e4", "stroke-width": "1"])
        for py in y.map({ y in y.ticks.map { fmt(y.position($0.value)) } }) ?? [] {
            m.empty("line", ["x1": fmt(plotLeft), "y1": py, "x2": fmt(plotRight), "y2": py])
        }
        for px in x.map({ x in x.ticks.map { fmt(x.position($0.value)) } }) ?? [] {
            m.empty("line", ["x1": px, "y1": fmt(plotTop), "x2": px, "y2": fmt(plotBottom)])
        }
        m.close("g")
        m.open("g", ["class": "axis-lines", "stroke": "#666", "stroke-width": "1"])
        m.empty("line", ["x1": fmt(plotLeft), "y1": fmt(plotBottom), "x2": fmt(plotRight), "y2": fmt(plotBottom)])
        m.empty("line", ["x1": fmt(plotLeft), "y1": fmt(plotTop), "x2": fmt(plotLeft), "y2": fmt(plotBottom)])
        m.close("g")
        if let x { ticks(x: x, into: &m) }
        if let y { ticks(y: y, into: &m) }
        labels(into: &m)
    }

    /// Tick marks and labels under the x axis.
    func ticks(x: ChartScale, into m: inout Markup) {
        m.open("g", ["class": "x-ticks", "text-anchor": "middle"])
        for tick in x.ticks {
            let px = x.position(tick.value)
            m.empty("line", ["x1": fmt(px), "y1": fmt(plotBottom), "x2": fmt(px), "y2": fmt(plotBottom + 5), "stroke": "#666"])
            m.element("text", ["x": fmt(px), "y": fmt(plotBottom + 18)], tick.label)
        }
        m.close("g")
    }

    /// Tick marks and labels left of the y axis.
    func ticks(y: ChartScale, into m: inout Markup) {
        m.open("g", ["class": "y-ticks", "text-anchor": "end"])
        for tick in y.ticks {
            let py = y.position(tick.value)
            m.empty("line", ["x1": fmt(plotLeft - 5), "y1": fmt(py), "x2": fmt(plotLeft), "y2": fmt(py), "stroke": "#666"])
            m.element("text", ["x": fmt(plotLeft - 8), "y": fmt(py + 4)], tick.label)
        }
        m.close("g")
    }

    /// The x axis label centred under the plot, the y axis label rotated along the left edge.
    func labels(into m: inout Markup) {
        m.element("text", ["class": "x-label", "x": fmt((plotLeft + plotRight) / 2), "y": fmt(height - 10), "text-anchor": "middle"], xLabel)
        let cy = (plotTop + plotBottom) / 2
        m.element("text", ["class": "y-label", "x": "16", "y": fmt(cy), "text-anchor": "middle",
                           "transform": "rotate(-90 16 \(fmt(cy)))"], yLabel)
    }

    /// Closes the `<svg>`.
    func close(into m: inout Markup) { m.close("svg") }
}

/// A pixel coordinate with one decimal (fixed, so output is deterministic and compact).
@inline(__always) func fmt(_ v: Double) -> String { ReportFormat.fixed(v, 1) }

/// Series colours: the Okabe–Ito palette (distinguishable with colour-vision deficiencies), cycled.
enum Palette {
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
    /// Dash patterns cycled with the colours so series stay apart in greyscale print.
    static let dashes: [String?] = [nil, "6 3", "2 2", "8 3 2 3"]

    static func colour(_ i: Int) -> String { colours[i % colours.count] }
    static func dash(_ i: Int) -> String? { dashes[(i / colours.count + i) % dashes.count] }

    static let alertFiring = "#C0392B"
    static let alertResolved = "#2E8B57"
    static let level = "#C0392B"
    static let reference = "#555555"
}

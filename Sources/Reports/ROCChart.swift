/// ROC curves in a square plot, FAR against recall in percent, with the chance diagonal, the
/// equal-error line (FAR = FRR) and each curve's EER point marked where it crosses that line.
struct ROCChart: SVGChart {
    struct Curve {
        let name: String
        /// FPR (= FAR) and TPR (= recall) per point, in [0, 1].
        let fpr: [Double]
        let tpr: [Double]
        /// The equal error rate: drawn at (EER, 1 − EER).
        let eer: Double?
    }

    var title: String
    var curves: [Curve]
    var width = 560.0

    func render() -> String {
        var legend = curves.enumerated().map { i, c in
            ChartFrame.LegendEntry(name: c.name, colour: Palette.colour(i), swatch: .line(dash: Palette.dash(i)))
        }
        legend.append(.init(name: "chance", colour: Palette.reference, swatch: .line(dash: "4 4")))
        if curves.contains(where: { $0.eer != nil }) { legend.append(.init(name: "EER point", colour: "#000000", swatch: .dot)) }
        let xLabel = "False accept rate, FAR (%)", yLabel = "True accept rate, recall (%)"
        let probe = ChartFrame(width: width, height: 0, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend)
        // Square plot area: as tall as it is wide.
        let side = probe.plotRight - probe.plotLeft
        let frame = ChartFrame(width: width, height: probe.plotTop + side + 48, title: title, xLabel: xLabel, yLabel: yLabel, legend: legend)
        let x = ChartScale(.linear, covering: [0, 100], from: frame.plotLeft, to: frame.plotRight, maxTicks: 5)
        let y = ChartScale(.linear, covering: [0, 100], from: frame.plotBottom, to: frame.plotTop, maxTicks: 5)

        var m = Markup(capacity: 8192 + curves.count * 16_000)
        frame.open(into: &m)
        frame.axes(x: x, y: y, into: &m)
        m.empty("line", ["class": "chance", "x1": fmt(x.position(0)), "y1": fmt(y.position(0)), "x2": fmt(x.position(100)),
                         "y2": fmt(y.position(100)), "stroke": Palette.reference, "stroke-dasharray": "4 4"])
        m.empty("line", ["class": "eer-line", "x1": fmt(x.position(0)), "y1": fmt(y.position(100)), "x2": fmt(x.position(100)),
                         "y2": fmt(y.position(0)), "stroke": "#cccccc", "stroke-dasharray": "1 3"])
        for (i, curve) in curves.enumerated() {
            // A ROC may have a point per distinct score; steps of 0.35 % (under 2 px) bound it to ~570 points.
            let line = Downsample.curve(x: curve.fpr.map { $0 * 100 }, y: curve.tpr.map { $0 * 100 }, resolution: 0.35)
            let path = LineChart.path(line.x, line.y, x: x, y: y, step: false)
            guard !path.isEmpty else { continue }
            if let dash = Palette.dash(i) {
                m.empty("path", ["class": "series", "d": path, "fill": "none", "stroke": Palette.colour(i), "stroke-width": "1.5",
                                 "stroke-dasharray": dash])
            } else {
                m.empty("path", ["class": "series", "d": path, "fill": "none", "stroke": Palette.colour(i), "stroke-width": "1.5"])
            }
        }
        for (i, curve) in curves.enumerated() {
            guard let eer = curve.eer, eer.isFinite else { continue }
            m.open("g", ["class": "eer"])
            m.element("title", "\(curve.name): EER \(ReportFormat.percent(eer, ReportFormat.percentDecimals(eer))) %")
            m.empty("circle", ["cx": fmt(x.position(eer * 100)), "cy": fmt(y.position(100 - eer * 100)), "r": "4.5", "fill": Palette.colour(i),
                               "stroke": "#000000", "stroke-width": "1"])
            m.close("g")
        }
        frame.close(into: &m)
        return m.text
    }
}

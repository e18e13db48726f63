/// The `verification:` section of the configuration.
enum VerificationSchema {
    static func read(_ root: YAMLSection, _ r: YAMLReader) -> VerificationSettings {
        var v = VerificationSettings()
        guard let s = r.section(root, "verification") else { return v }
        r.rejectUnknownKeys(s, allowed: ["threshold", "score_range", "interval", "join", "window", "adaptive"])
        v.threshold = r.number(s, "threshold") ?? v.threshold
        if let range = r.numberPair(s, "score_range") {
            if range.0 < range.1 { v.scoreRange = range.0...range.1 } else { r.report(s.line(of: "score_range"), s.key("score_range"), "expected [low, high] with low < high") }
        }
        if !v.scoreRange.contains(v.threshold) {
            r.report(s.line(of: "threshold"), s.key("threshold"), "must lie in score_range \(v.scoreRange), got \(v.threshold)")
        }
        if let method = r.string(s, "interval") {
            switch method {
            case "wilson": v.clopperPearson = false
            case "clopper_pearson": v.clopperPearson = true
            default: r.report(s.line(of: "interval"), s.key("interval"), "expected wilson or clopper_pearson, got \"\(method)\"")
            }
        }
        if let j = r.section(s, "join") {
            r.rejectUnknownKeys(j, allowed: ["capacity", "ttl"])
            v.joinCapacity = r.int(j, "capacity", min: 1) ?? v.joinCapacity
            v.joinTTL = r.duration(j, "ttl") ?? v.joinTTL
        }
        if let w = r.section(s, "window") {
            r.rejectUnknownKeys(w, allowed: ["max_events", "max_age"])
            v.windowEvents = r.int(w, "max_events", min: 10) ?? v.windowEvents
            v.windowMaxAge = r.duration(w, "max_age") ?? v.windowMaxAge
        }
        if let a = r.section(s, "adaptive") { v.adaptive = readAdaptive(a, r, threshold: v.threshold) }
        return v
    }

    private static func readAdaptive(_ a: YAMLSection, _ r: YAMLReader, threshold: Double) -> AdaptiveSettings {
        var ad = AdaptiveSettings()
        r.rejectUnknownKeys(a, allowed: ["mode", "calibrator", "kill_switch", "bounds", "max_step", "min_step", "min_genuine", "min_impostors",
                                         "confirmations", "cool_down", "publish_topic", "publish_file"])
        if let mode = r.string(a, "mode") {
            if let m = AdaptiveMode(rawValue: mode) { ad.mode = m } else {
                r.report(a.line(of: "mode"), a.key("mode"), "expected \(AdaptiveMode.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(mode)\"")
            }
        }
        if let name = r.string(a, "calibrator") {
            if let c = ThresholdCalibrator(name: name) { ad.calibrator = c } else {
                r.report(a.line(of: "calibrator"), a.key("calibrator"),
                         "expected target_far:F, target_precision:P (F, P in [0, 1]), eer, f1 or cost:FA:FR (costs ≥ 0), got \"\(name)\"")
            }
        }
        ad.killSwitch = r.bool(a, "kill_switch") ?? ad.killSwitch
        if let b = r.numberPair(a, "bounds") {
            if b.0 <= threshold && threshold <= b.1 { ad.bounds = b.0...b.1 } else {
                r.report(a.line(of: "bounds"), a.key("bounds"), "expected [low, high] around verification.threshold \(threshold)")
            }
        }
        ad.maxStep = r.double(a, "max_step", above: 0) ?? ad.maxStep
        ad.minStep = r.double(a, "min_step", above: 0) ?? ad.minStep
        if ad.minStep > ad.maxStep { r.report(a.line(of: "min_step"), a.key("min_step"), "must not exceed max_step \(ad.maxStep)") }
        ad.minGenuine = r.int(a, "min_genuine", min: 1) ?? ad.minGenuine
        ad.minImpostors = r.int(a, "min_impostors", min: 1) ?? ad.minImpostors
        ad.confirmations = r.int(a, "confirmations", min: 1) ?? ad.confirmations
        ad.coolDown = r.duration(a, "cool_down") ?? ad.coolDown
        if a.node("publish_topic") != nil { ad.publishTopic = r.string(a, "publish_topic") }
        ad.publishFile = r.string(a, "publish_file")
        return ad
    }
}

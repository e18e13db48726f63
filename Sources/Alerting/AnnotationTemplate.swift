import Foundation
import TwinwatchCore

/// Fills a rule's annotation text: `{{model}}`, `{{value}}`, `{{p_value}}`, `{{labels.team}}`, …
/// Numbers get 4 significant digits; an unknown or absent placeholder becomes "n/a" so a typo is
/// visible in the notification rather than silently empty.
public enum AnnotationTemplate {
    public static func render(_ text: String, sample: SignalSample, rule: AlertRule, labels: [String: String],
                              context: [String: String]) -> String {
        guard text.contains("{{") else { return text }
        var values = context
        for (key, value) in labels {
            values["labels.\(key)"] = value
            if values[key] == nil { values[key] = value }
        }
        values["value"] = number(sample.value)
        values["threshold"] = number(rule.condition.threshold)
        values["for"] = duration(rule.forDuration)
        if let p = sample.pValue { values["p_value"] = number(p) }
        if let z = sample.z { values["z"] = number(z) }
        if let b = sample.baseline { values["baseline"] = number(b) }
        if let r = sample.ratio { values["ratio"] = number(r) }
        if let i = sample.interval {
            values["ci_lower"] = number(i.lowerBound)
            values["ci_upper"] = number(i.upperBound)
        }
        var out = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            out += values[name] ?? "n/a"
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// 4 significant digits; whole numbers of 10 000 and more (message counts) in full.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "\(x)" }
        if abs(x) >= 10_000, abs(x) < 1e15, x == x.rounded() { return String(Int64(x)) }
        return String(format: "%.4g", x)
    }

    /// `10m`, `1h`, `30s`, `500ms`.
    public static func duration(_ d: Duration) -> String {
        let seconds = Int(d.components.seconds)
        switch seconds {
        case 0: return d == .zero ? "0s" : "\(d.milliseconds)ms"
        case let s where s % 86_400 == 0: return "\(s / 86_400)d"
        case let s where s % 3600 == 0: return "\(s / 3600)h"
        case let s where s % 60 == 0: return "\(s / 60)m"
        default: return "\(seconds)s"
        }
    }
}

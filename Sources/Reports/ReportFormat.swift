import Foundation
import TwinwatchCore

/// Deterministic text for numbers, rates, durations and times: fixed rules, no locale, always UTC,
/// so the same model renders byte-identically and tests can compare the text with the values.
public enum ReportFormat {
    private static let powersOfTen: [Double] = (0...9).map { pow(10, Double($0)) }

    /// `value` rounded to `decimals` (0…9) digits after the point; "–" when not finite.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        let decimals = min(max(decimals, 0), 9)
        let scale = powersOfTen[decimals]
        let scaled = (abs(value) * scale).rounded()
        // Integer digits are exact below 2^53; beyond that (never in a report) let printf do it.
        guard scaled < 9.0e15 else { return String(format: "%.\(decimals)f", value) }
        let units = Int64(scaled), whole = units / Int64(scale), fraction = units % Int64(scale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(whole)" }
        let digits = String(fraction)
        return "\(sign)\(whole).\(String(repeating: "0", count: decimals - digits.count))\(digits)"
    }

    /// `value` with `significant` significant digits and trailing zeros removed: "0.00123", "42.5";
    /// below 1e-4 and from 1e6 in exponent form, "1.2e-07", "3.4e+06".
    public static func compact(_ value: Double, significant: Int = 3) -> String {
        guard value.isFinite else { return "–" }
        guard value != 0 else { return "0" }
        let magnitude = abs(value)
        if magnitude < 1e-4 || magnitude >= 1e6 {
            return String(format: "%.\(max(significant - 1, 0))e", value)
                .replacingOccurrences(of: #"\.?0+e"#, with: "e", options: .regularExpression)
        }
        let decimals = max(0, significant - 1 - Int(floor(log10(magnitude))))
        return trimZeros(fixed(value, decimals))
    }

    /// A p-value with two significant digits: "0.0012", "0.35", "1.2e-07".
    public static func pValue(_ p: Double) -> String { compact(p, significant: 2) }

    /// Decimals that show the rates in percent with at least two significant digits for the smallest
    /// of them that is positive (1.8 % → 1, 0.12 % → 2), between 1 and 4.
    public static func percentDecimals(_ rates: Double...) -> Int {
        guard let smallest = rates.filter({ $0.isFinite && $0 > 0 }).min() else { return 1 }
        return min(max(1 - Int(floor(log10(smallest * 100))), 1), 4)
    }

    /// A rate in percent with `decimals` digits, without the sign: 0.018 → "1.8".
    public static func percent(_ rate: Double, _ decimals: Int) -> String { fixed(rate * 100, decimals) }

    /// A rate in percent as short as exact to 4 decimals: 0.01 → "1", 0.001 → "0.1".
    public static func percentTrimmed(_ rate: Double) -> String { trimZeros(fixed(rate * 100, 4)) }

    /// A duration in words: "7 days", "1.5 days", "12 hours", "1 hour", "30 minutes".
    public static func duration(ms: Int64) -> String {
        let minutes = Double(ms) / 60_000, hours = minutes / 60, days = hours / 24
        func words(_ amount: Double, _ unit: String) -> String {
            let text = trimZeros(fixed(amount, 1))
            return "\(text) \(unit)\(text == "1" ? "" : "s")"
        }
        if days >= 1 { return words(days, "day") }
        if hours >= 1 { return words(hours, "hour") }
        return words(max(minutes, 0), "minute")
    }

    /// A time for tables and sentences: "2026-11-25 10:00 UTC" (seconds when not zero).
    public static func utc(ms: Int64) -> String {
        let t = UTCTime(ms: ms)
        let seconds = t.second == 0 ? "" : ":\(pad2(t.second))"
        return "\(t.year)-\(pad2(t.month))-\(pad2(t.day)) \(pad2(t.hour)):\(pad2(t.minute))\(seconds) UTC"
    }

    /// "1.500" → "1.5", "2.000" → "2", "10" → "10".
    static func trimZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var s = Substring(text)
        while s.hasSuffix("0") { s = s.dropLast() }
        if s.hasSuffix(".") { s = s.dropLast() }
        return String(s)
    }

    static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// A UTC calendar time from epoch milliseconds, by integer arithmetic (no calendar, no locale).
struct UTCTime: Equatable {
    let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// The civil date and time of `ms` (proleptic Gregorian, `RFC3339.civil(fromDays:)`).
    init(ms: Int64) {
        let seconds = Int(ms.floorDivided(by: 1000))
        let days = seconds.floorDivided(by: 86_400), secondOfDay = seconds - days * 86_400
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        (year, month, day) = RFC3339.civil(fromDays: days)
    }
}

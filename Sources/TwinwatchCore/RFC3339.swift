import Foundation

/// RFC 3339 timestamps to and from epoch milliseconds.
public enum RFC3339 {
    private static let styles = [
        Date.ISO8601FormatStyle(includingFractionalSeconds: true),
        Date.ISO8601FormatStyle(),
    ]

    /// Milliseconds since the epoch for `2026-11-25T10:00:00.123Z` style text (fraction optional).
    public static func millis(_ text: String) -> Int64? {
        for style in styles {
            if let date = try? style.parse(text) { return Int64((date.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }

    /// `2026-11-25T10:00:00.123Z` for `millis` since the epoch. The milliseconds are written
    /// from the integer, not from a `Double` of seconds (which is 1 ms off for some values).
    public static func string(millis: Int64) -> String {
        let seconds = millis.quotient(dividingBy: 1000)
        let fraction = millis - seconds * 1000
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
}

extension Int64 {
    /// Floor division (towards −∞), so times before 1970 keep a positive millisecond part.
    fileprivate func quotient(dividingBy d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}

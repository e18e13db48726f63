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

    /// `2026-11-25T10:00:00.123Z` for `millis` since the epoch.
    public static func string(millis: Int64) -> String {
        Date(timeIntervalSince1970: Double(millis) / 1000).formatted(styles[0])
    }
}

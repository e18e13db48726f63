/// Parses human durations: `500ms`, `10s`, `5m`, `1h`, `1d` (one unit per value).
public enum DurationParser {
    public static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            guard let number = Double(text.dropLast(suffix.count)), number.isFinite, number >= 0 else { return nil }
            return .milliseconds(Int64((number * seconds * 1000).rounded()))
        }
        return nil
    }
}

extension Duration {
    /// Whole milliseconds.
    public var milliseconds: Int64 {
        let c = components
        return c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, saturating (for Dispatch deadlines).
    public var nanoseconds: Int64 {
        let c = components
        let (whole, overflow) = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? (c.seconds < 0 ? .min : .max) : whole.addingReportingOverflow(c.attoseconds / 1_000_000_000).partialValue
    }
}

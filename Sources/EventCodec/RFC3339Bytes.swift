import TwinwatchCore

/// RFC 3339 timestamps (`2026-11-25T10:00:00.123Z`, `…+02:00`) read straight from message bytes.
///
/// `TwinwatchCore.RFC3339` goes through Foundation's ISO 8601 parser, which costs microseconds per
/// call — most of the per-event budget at 150k events/s — so the decoder uses this instead.
enum RFC3339Bytes {
    /// Milliseconds since the epoch, or nil if the bytes are not an RFC 3339 date-time.
    /// Fractions beyond milliseconds are truncated (toward the past, as `Instant.toEpochMilli` does).
    static func millis(_ p: UnsafePointer<UInt8>, count: Int) -> Int64? {
        // YYYY-MM-DDTHH:MM:SS is 19 bytes, plus at least the zone designator.
        guard count >= 20 else { return nil }
        func digits(_ at: Int, _ n: Int) -> Int? {
            var v = 0
            for i in at..<(at + n) {
                let d = p[i] &- UInt8(ascii: "0")
                guard d <= 9 else { return nil }
                v = v * 10 + Int(d)
            }
            return v
        }
        guard let year = digits(0, 4), p[4] == UInt8(ascii: "-"), let month = digits(5, 2), p[7] == UInt8(ascii: "-"),
              let day = digits(8, 2), p[10] | 0x20 == UInt8(ascii: "t"), let hour = digits(11, 2), p[13] == UInt8(ascii: ":"),
              let minute = digits(14, 2), p[16] == UInt8(ascii: ":"), let second = digits(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var millis = 0
        if p[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < count, p[i] &- UInt8(ascii: "0") <= 9 {
                if i - start < 3 { millis = millis * 10 + Int(p[i] - UInt8(ascii: "0")) }
                i += 1
            }
            guard i > start, i < count else { return nil }
            for _ in min(i - start, 3)..<3 { millis *= 10 }
        }
        var offsetMinutes = 0
        if p[i] | 0x20 == UInt8(ascii: "z") {
            i += 1
        } else if p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
            guard count - i == 6, let oh = digits(i + 1, 2), p[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2),
                  oh <= 23, om <= 59 else { return nil }
            offsetMinutes = (oh * 60 + om) * (p[i] == UInt8(ascii: "-") ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == count else { return nil }
        let days = RFC3339.daysFromCivil(year: year, month: month, day: day)
        let seconds = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60 + second
        return Int64(seconds) * 1000 + Int64(millis)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

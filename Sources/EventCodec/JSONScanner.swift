#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A syntax error (or a non-JSON numeric token) found by `JSONScanner`, with its byte offset.
struct JSONScanError: Error {
    var reason: EventRejection.Reason
    var message: String
    var offset: Int

    /// The rejection for the DLQ: what is wrong and at which byte of the message.
    func rejection() -> EventRejection {
        EventRejection(reason, "\(message) at byte \(offset)")
    }
}

/// Single-pass cursor over the UTF-8 bytes of one JSON value (RFC 8259).
///
/// It works on a borrowed buffer so the hot loops compile to pointer arithmetic; callers keep the
/// buffer alive for the scanner's lifetime (`withUnsafeBufferPointer`).
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    var pos = 0
    /// Exact powers of ten 1e0…1e22 (see `JSONScanner+Numbers.swift`), borrowed like `base`.
    let pow10: UnsafePointer<Double>
    /// `digitMaskBytes` (see `JSONScanner+FloatArray.swift`), borrowed like `base`.
    let digitMasks: UnsafeRawPointer

    /// Deeper nesting than this in skipped values is refused: it bounds the recursion of `skipValue`.
    static let maxDepth = 64

    init(_ bytes: UnsafeBufferPointer<UInt8>, pow10: UnsafePointer<Double>, digitMasks: UnsafeRawPointer) {
        // An empty buffer may have a nil base address; with count 0 the pointer is never read.
        self.base = bytes.baseAddress ?? UnsafeRawPointer(pow10).assumingMemoryBound(to: UInt8.self)
        self.count = bytes.count
        self.pow10 = pow10
        self.digitMasks = digitMasks
    }

    /// Runs `body` with a scanner over `bytes` and the constant tables it borrows.
    static func scanning<R>(_ bytes: UnsafeBufferPointer<UInt8>,
                            _ body: (inout JSONScanner) throws(JSONScanError) -> R) throws(JSONScanError) -> R {
        try exactPowersOfTen.withUnsafeBufferPointer { (pow10) throws(JSONScanError) -> R in
            try digitMaskBytes.withUnsafeBufferPointer { (masks) throws(JSONScanError) -> R in
                var scanner = JSONScanner(bytes, pow10: pow10.baseAddress!, digitMasks: UnsafeRawPointer(masks.baseAddress!))
                return try body(&scanner)
            }
        }
    }

    var atEnd: Bool { pos >= count }

    func error(_ message: String, at offset: Int? = nil) -> JSONScanError {
        JSONScanError(reason: .unparseable, message: message, offset: offset ?? pos)
    }

    /// The next byte after whitespace, or an error naming what was expected when the input ends.
    @inline(__always)
    mutating func peek(expecting what: @autoclosure () -> String) throws(JSONScanError) -> UInt8 {
        skipWhitespace()
        guard pos < count else { throw error("input ends where \(what()) was expected") }
        return base[pos]
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < count {
            let c = base[pos]
            guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { return }
            pos += 1
        }
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: @autoclosure () -> String) throws(JSONScanError) {
        let c = try peek(expecting: what())
        guard c == byte else { throw error("expected \(what()), found \(Self.describe(c))") }
        pos += 1
    }

    /// Consumes `null` if it is next (after whitespace).
    mutating func consumeNull() -> Bool {
        skipWhitespace()
        guard count - pos >= 4, base[pos] == UInt8(ascii: "n"), base[pos + 1] == UInt8(ascii: "u"),
              base[pos + 2] == UInt8(ascii: "l"), base[pos + 3] == UInt8(ascii: "l") else { return false }
        pos += 4
        return true
    }

    /// Consumes the literal `word` (e.g. `true`) or fails at its first byte.
    mutating func literal(_ word: StaticString) throws(JSONScanError) {
        let start = pos
        let n = word.utf8CodeUnitCount
        guard count - pos >= n else { throw error("truncated literal", at: start) }
        for i in 0..<n where base[pos + i] != word.utf8Start[i] {
            throw error("invalid literal", at: start)
        }
        pos += n
    }

    /// Reads a boolean literal.
    mutating func bool() throws(JSONScanError) -> Bool {
        let c = try peek(expecting: "true or false")
        if c == UInt8(ascii: "t") { try literal("true"); return true }
        if c == UInt8(ascii: "f") { try literal("false"); return false }
        throw error("expected true or false, found \(Self.describe(c))")
    }

    /// The raw string that starts at the next `"`: byte range of its content and whether it holds escapes.
    /// Escapes and control characters are checked here; `\u` digits are checked in `unescape`.
    mutating func stringRange() throws(JSONScanError) -> (start: Int, end: Int, escaped: Bool) {
        try expect(UInt8(ascii: "\""), "a string")
        let start = pos
        var escaped = false
        while pos < count {
            // Long strings (embedding_b64) are mostly plain bytes: step over 8 at a time while none
            // of them is '"', '\\' or a control character (SWAR "has byte" tests, Bit Twiddling Hacks).
            while count - pos >= 8 {
                let x = UInt64(littleEndian: UnsafeRawPointer(base + pos).loadUnaligned(as: UInt64.self))
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let quote = x ^ (ones &* 0x22), backslash = x ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((x &- ones &* 0x20) & ~x)
                guard special & highs == 0 else {
                    // The lowest flagged byte is a real match (false positives only follow one): jump to it.
                    pos += (special & highs).trailingZeroBitCount >> 3
                    break
                }
                pos += 8
            }
            guard pos < count else { break }
            let c = base[pos]
            if c == UInt8(ascii: "\"") {
                pos += 1
                return (start, pos - 1, escaped)
            }
            if c == UInt8(ascii: "\\") {
                escaped = true
                guard pos + 1 < count else { break }
                switch base[pos + 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    pos += 2
                case UInt8(ascii: "u"):
                    guard count - pos >= 6 else { throw error("truncated \\u escape") }
                    for i in 2..<6 where Self.hexValue(base[pos + i]) == nil {
                        throw error("invalid \\u escape")
                    }
                    pos += 6
                default:
                    throw error("invalid escape \\\(Self.describe(base[pos + 1]))")
                }
                continue
            }
            guard c >= 0x20 else { throw error("unescaped control character in string") }
            pos += 1
        }
        throw error("unterminated string", at: start - 1)
    }

    /// The decoded content of the string that starts at the next `"`, validated as UTF-8.
    mutating func string() throws(JSONScanError) -> String {
        try text(of: try stringRange())
    }

    /// `string()`, returning the configured model name when the text spells one (no escapes).
    mutating func string(interning models: ModelCatalog) throws(JSONScanError) -> String {
        let r = try stringRange()
        if !r.escaped, let name = models.name(spelledBy: UnsafeBufferPointer(start: base + r.start, count: r.end - r.start)) {
            return name
        }
        return try text(of: r)
    }

    /// The decoded content of a string range from `stringRange()`, validated as UTF-8.
    private func text(of r: (start: Int, end: Int, escaped: Bool)) throws(JSONScanError) -> String {
        let raw = UnsafeBufferPointer(start: base + r.start, count: r.end - r.start)
        if !r.escaped {
            guard let s = Self.utf8String(raw) else { throw error("string is not valid UTF-8", at: r.start) }
            return s
        }
        let bytes = try unescape(r.start, r.end)
        guard let s = bytes.withUnsafeBufferPointer(Self.utf8String) else { throw error("string is not valid UTF-8", at: r.start) }
        return s
    }

    /// `bytes` as a String if they are valid UTF-8. ASCII (ids, model and cohort names) is checked
    /// inline; other text goes through the standard library's UTF-8 parser (`String(validating:)`
    /// would be shorter but needs macOS 15 and looks up generic metadata on every call).
    static func utf8String(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        if high >= 0x80 {
            var iterator = bytes.makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            parsing: while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid: continue
                case .emptyInput: break parsing
                case .error: return nil
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The content range of the string at the next `"` up to the next `"` byte, found with `memchr`
    /// (vectorized in libc), without looking at escapes or control characters: only for values
    /// whose own decoder refuses those bytes (base64), with the careful `stringRange` as fallback.
    mutating func plainStringRangeUnchecked() throws(JSONScanError) -> (start: Int, end: Int) {
        try expect(UInt8(ascii: "\""), "a string")
        let start = pos
        guard let quote = memchr(base + start, Int32(UInt8(ascii: "\"")), count - start) else {
            throw error("unterminated string", at: start - 1)
        }
        let end = start + (UnsafeRawPointer(quote) - UnsafeRawPointer(base + start))
        pos = end + 1
        return (start, end)
    }

    /// Content bytes `start..<end` (already checked by `stringRange`) with escapes resolved to UTF-8.
    func unescape(_ start: Int, _ end: Int) throws(JSONScanError) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(end - start)
        var i = start
        while i < end {
            let c = base[i]
            guard c == UInt8(ascii: "\\") else { out.append(c); i += 1; continue }
            let e = base[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard i + 6 <= end, base[i] == UInt8(ascii: "\\"), base[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate in \\u escape", at: i - 6)
                    }
                    let low = hex4(i + 2)
                    guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate in \\u escape", at: i - 6) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("unpaired surrogate in \\u escape", at: i - 6)
                }
                Self.appendUTF8(UnicodeScalar(scalar)!, to: &out)
            default: out.append(e)  // \" \\ \/
            }
        }
        return out
    }

    private func hex4(_ at: Int) -> UInt32 {
        var v: UInt32 = 0
        for k in 0..<4 { v = v << 4 | UInt32(Self.hexValue(base[at + k])!) }
        return v
    }

    private static func appendUTF8(_ scalar: UnicodeScalar, to out: inout [UInt8]) {
        UTF8.encode(scalar) { out.append($0) }
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Skips one JSON value of any type, checking its syntax.
    mutating func skipValue(depth: Int = 0) throws(JSONScanError) {
        let c = try peek(expecting: "a value")
        switch c {
        case UInt8(ascii: "\""): _ = try stringRange()
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
            pos += 1
            if try peek(expecting: "a key or '}'") == UInt8(ascii: "}") { pos += 1; return }
            while true {
                _ = try stringRange()
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth + 1)
                let next = try peek(expecting: "',' or '}'")
                pos += 1
                if next == UInt8(ascii: "}") { return }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or '}', found \(Self.describe(next))", at: pos - 1) }
            }
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
            pos += 1
            if try peek(expecting: "a value or ']'") == UInt8(ascii: "]") { pos += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                let next = try peek(expecting: "',' or ']'")
                pos += 1
                if next == UInt8(ascii: "]") { return }
                guard next == UInt8(ascii: ",") else { throw error("expected ',' or ']', found \(Self.describe(next))", at: pos - 1) }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "N"), UInt8(ascii: "I"):
            // Numbers, and the non-JSON NaN/Infinity tokens that `number()` reports as non-finite.
            _ = try number()
        default:
            throw error("expected a value, found \(Self.describe(c))")
        }
    }

    /// A byte for error messages: the character when printable ASCII, else its hex value.
    static func describe(_ c: UInt8) -> String {
        (0x21..<0x7F).contains(c) ? "'\(Character(UnicodeScalar(c)))'" : "byte 0x" + String(c, radix: 16)
    }
}

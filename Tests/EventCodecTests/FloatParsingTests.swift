import EventCodec
import Testing
import TwinwatchCore

/// The decoder's number parser against the standard library's correctly rounded `Double(String)`
/// (scores, thresholds) and `Float(String)` (embedding values).
@Suite("Float parsing")
struct FloatParsingTests {
    private let decoder = EventDecoder()

    /// Random JSON number text: shortest float32/float64 reprs, long mantissas, wide exponents, subnormals.
    static func randomNumber(_ rng: inout SeededGenerator) -> String {
        func digits(_ n: Int, leadingNonZero: Bool) -> String {
            String((0..<n).map { i in Character(String(i == 0 && leadingNonZero ? Int.random(in: 1...9, using: &rng) : Int.random(in: 0...9, using: &rng))) })
        }
        let sign = Bool.random(using: &rng) ? "-" : ""
        switch Int.random(in: 0..<8, using: &rng) {
        case 0:  // what the golden files hold: shortest round-trip float32
            let f = Float(bitPattern: UInt32.random(in: 0...UInt32.max, using: &rng))
            return f.isFinite ? f.description : "0.5"
        case 1:
            let d = Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &rng))
            return d.isFinite ? d.description : "1e-7"
        case 2:  // long mantissas (beyond 19 digits → slow path)
            return sign + digits(Int.random(in: 1...30, using: &rng), leadingNonZero: true) + "." + digits(Int.random(in: 1...30, using: &rng), leadingNonZero: false)
        case 3:  // wide exponents, including overflow to ∞ and underflow to 0
            return sign + digits(Int.random(in: 1...20, using: &rng), leadingNonZero: true) + "e" + String(Int.random(in: -400...400, using: &rng))
        case 4:  // subnormal doubles and float32 subnormals
            let exp = Bool.random(using: &rng) ? Int.random(in: -330 ... -300, using: &rng) : Int.random(in: -46 ... -38, using: &rng)
            let fraction = Int.random(in: 0...20, using: &rng)
            return sign + digits(1, leadingNonZero: true) + (fraction == 0 ? "" : "." + digits(fraction, leadingNonZero: false)) + "E" + String(exp)
        case 5:  // typical embedding values, fast path with small exponents
            return sign + "0." + digits(Int.random(in: 1...12, using: &rng), leadingNonZero: false) + (Bool.random(using: &rng) ? "" : "e-\(Int.random(in: 0...9, using: &rng))")
        case 6:  // zeros in every spelling, incl. negative zero
            return ["-0", "0", "-0.0", "0.000", "-0e5", "0E-400", "-0.0e+0"].randomElement(using: &rng)!
        default:  // around 2^53 and ties: integers with 15–20 digits, optional exponent sign +
            return sign + digits(Int.random(in: 15...20, using: &rng), leadingNonZero: true) + (Bool.random(using: &rng) ? "" : "e+\(Int.random(in: 0...30, using: &rng))")
        }
    }

    @Test("100 000 random decimal strings parse bit-identically to Double(String)")
    func randomStrings() throws {
        var rng = SeededGenerator(seed: 20_261_125)
        var slow = 0
        for _ in 0..<100_000 {
            let text = Self.randomNumber(&rng)
            let expected = try #require(Double(text), "\(text)")
            let result = decoder.decodeJSON(Array(#"{"event_id":"e","model":"m","score":\#(text)}"#.utf8), fallbackTimestampMs: 0)
            if expected.isFinite {
                let score = try result.get().score!
                if score.bitPattern != expected.bitPattern {
                    Issue.record("\(text): got \(score) (\(score.bitPattern)), expected \(expected) (\(expected.bitPattern))")
                    return
                }
            } else {
                #expect((try? result.get()) == nil && result.rejectionReason == .nonFinite, "\(text)")
            }
            if text.count > 20 { slow += 1 }
        }
        #expect(slow > 10_000, "the generator must exercise the slow path")
    }

    @Test("embedding values are Float(text) (strtof), including float32 subnormals and overflow")
    func float32Values() throws {
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let texts = (0..<50).map { _ in Self.randomNumber(&rng) }
            let expected = texts.map { Float($0)! }
            let json = #"{"event_id":"e","model":"m","embedding":[\#(texts.joined(separator: ","))]}"#
            let result = decoder.decodeJSON(Array(json.utf8), fallbackTimestampMs: 0)
            if let bad = expected.firstIndex(where: { !$0.isFinite }) {
                #expect(result.rejectionReason == .nonFinite)
                #expect(result.rejectionDetail?.contains("embedding[\(bad)]") == true, "\(result)")
            } else {
                let got = try result.get().embedding!
                #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(texts)")
            }
        }
    }

    @Test("float64 text with 16–19 significant digits (the double-double path) parses bit-identically to Double(String)")
    func longMantissas() throws {
        var rng = SeededGenerator(seed: 53)
        for i in 0..<100_000 {
            let text: String
            if i % 2 == 0 {  // what float64 producers write for scores and latencies
                text = (Double.random(in: 0..<1, using: &rng) * [1, 1e-3, 1e2, 1e5].randomElement(using: &rng)!).description
            } else {  // any 16–19 digit mantissa, point anywhere up to 22 places from the end
                let digits = String((0..<Int.random(in: 16...19, using: &rng)).map { k in
                    Character(String(Int.random(in: k == 0 ? 1...9 : 0...9, using: &rng)))
                })
                let point = digits.count - Int.random(in: 1...min(22, digits.count), using: &rng)
                text = (point == 0 ? "0" : String(digits.prefix(point))) + "." + digits.dropFirst(point)
            }
            let expected = try #require(Double(text))
            let score = try decoder.decodeJSON(Array(#"{"event_id":"e","model":"m","score":\#(text)}"#.utf8), fallbackTimestampMs: 0).get().score!
            if score.bitPattern != expected.bitPattern {
                Issue.record("\(text): got \(score), expected \(expected)")
                return
            }
        }
    }

    @Test("embedding-shaped text (the fast paths) matches Float(text): every fraction length, leading zeros, separators")
    func embeddingShapes() throws {
        var rng = SeededGenerator(seed: 31)
        for round in 0..<400 {
            var texts = [String]()
            for _ in 0..<64 {
                if Bool.random(using: &rng) {  // shortest float32 text of a typical unit-norm embedding value
                    let v = Float(Double.random(in: -0.3...0.3, using: &rng) * [0.001, 0.01, 0.1, 1, 10].randomElement(using: &rng)!)
                    texts.append(v.description)
                } else {  // -?D.D… with 1–17 fraction digits, often leading zeros
                    let fraction = String((0..<Int.random(in: 1...17, using: &rng)).map { _ in
                        Character(String(Int.random(in: 0...9, using: &rng) * (Int.random(in: 0..<3, using: &rng) == 0 ? 0 : 1)))
                    })
                    texts.append((Bool.random(using: &rng) ? "-" : "") + String(Int.random(in: 0...9, using: &rng)) + "." + fraction)
                }
            }
            // Compact, then the ", " separators Python's json.dumps writes.
            let json = #"{"event_id":"e","model":"m","embedding":[\#(texts.joined(separator: round % 2 == 0 ? "," : ", "))]}"#
            let got = try decoder.decodeJSON(Array(json.utf8), fallbackTimestampMs: 0).get().embedding!
            let expected = texts.map { Float($0)! }
            for i in texts.indices where got[i].bitPattern != expected[i].bitPattern {
                Issue.record("\(texts[i]): got \(got[i]), expected \(expected[i])")
                return
            }
        }
    }

    @Test("hard cases: ties, 2^53 ± 1, extremes", arguments: [
        "9007199254740993", "9007199254740992", "9007199254740995", "2.2250738585072011e-308", "2.2250738585072012e-308",
        "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623157e308",
        "1.7976931348623158e308", "0.1", "1e22", "1e23", "123456789012345678901234567890", "-0", "3.4028235e38",
        "3.4028236e38", "1.4e-45", "7e-46", "0.30000000000000004", "1.00000000000000011102230246251565404236316680908203125",
        // Just above / below a float32 tie whose nearest double is the tie itself: Float(Double(text)) rounds wrongly.
        "1.0000000596046447753906250001", "1.0000000596046447753906249999", "-1.0000000596046447753906250001",
        "7.0064923216240853546186479164495806564013097093825788587853414194489554134293030074331909418106079101562501e-46",
        "3.40282356779733661637539395458142568447e38",
    ])
    func hardCases(text: String) throws {
        let expected = Double(text)!
        let score = try decoder.decodeJSON(Array(#"{"event_id":"e","model":"m","score":\#(text)}"#.utf8), fallbackTimestampMs: 0).get().score!
        #expect(score.bitPattern == expected.bitPattern)
        let embedded = decoder.decodeJSON(Array(#"{"event_id":"e","model":"m","embedding":[\#(text)]}"#.utf8), fallbackTimestampMs: 0)
        let expectedFloat = Float(text)!
        if expectedFloat.isFinite {
            #expect(try embedded.get().embedding![0].bitPattern == expectedFloat.bitPattern, "\(text)")
        } else {
            #expect(embedded.rejectionReason == .nonFinite)
        }
    }
}

extension Result where Failure == EventRejection {
    var rejectionReason: EventRejection.Reason? {
        if case .failure(let r) = self { return r.reason }
        return nil
    }

    var rejectionDetail: String? {
        if case .failure(let r) = self { return r.detail }
        return nil
    }
}

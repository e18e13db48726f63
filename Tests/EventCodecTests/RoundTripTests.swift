import EventCodec
import Foundation
import Testing
import TwinwatchCore

/// encode → decode gives back the same event, for seeded random events in every format.
@Suite("Round trips")
struct RoundTripTests {
    static func randomEvent(_ rng: inout SeededGenerator, d: Int) -> InferenceEvent {
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &rng) ? value() : nil }
        let embedding = (0..<d).map { _ -> Float in
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &rng) | (Bool.random(using: &rng) ? 0x8000_0000 : 0))
            case 1: -0.0
            default: Float.random(in: -1...1, using: &rng)
            }
        }
        let names = ["face-verify", "m", "ünïcødé/✓", "quote\"back\\slash", "tab\tnew\nline", "e-000123"]
        return InferenceEvent(
            eventID: String(UInt64.random(in: 0...UInt64.max, using: &rng)),
            timestampMs: Int64.random(in: 0...4_000_000_000_000, using: &rng),
            model: names.randomElement(using: &rng)!.replacingSlash, modelVersion: maybe(names.randomElement(using: &rng)!),
            cohort: "c\(Int.random(in: 0...9, using: &rng))",
            score: maybe(Double.random(in: -1...1, using: &rng)).map { Double(Float($0)) },
            embedding: embedding, threshold: maybe(Double.random(in: 0...1, using: &rng)),
            decision: maybe(["accept", "reject", "review"].randomElement(using: &rng)!), stage: maybe("stage-\(Int.random(in: 1...3, using: &rng))"),
            status: maybe(["ok", "error"].randomElement(using: &rng)!), latencyMs: maybe(Double.random(in: 0...500, using: &rng)),
            label: maybe(Int.random(in: 0...1, using: &rng)))
    }

    private func same(_ a: InferenceEvent, _ b: InferenceEvent) -> Bool {
        var a = a, b = b
        // Compare floats by bits (-0.0 == 0.0 as numbers, but the bits must survive).
        let bitsEqual = a.embedding?.map(\.bitPattern) == b.embedding?.map(\.bitPattern)
        a.embedding = nil
        b.embedding = nil
        return bitsEqual && a == b
    }

    @Test("JSON and JSON+base64 round-trip every field bit for bit", arguments: [false, true])
    func json(base64: Bool) throws {
        var rng = SeededGenerator(seed: base64 ? 2 : 1)
        let decoder = EventDecoder()
        for _ in 0..<500 {
            let event = Self.randomEvent(&rng, d: Int.random(in: 1...64, using: &rng))
            let bytes = EventEncoder.json(event, base64: base64)
            let back = try decoder.decode(value: bytes, key: nil, contentType: "application/json", fallbackTimestampMs: nil).get()
            #expect(same(event, back), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("base64 agrees with Foundation in both directions")
    func base64AgainstFoundation() throws {
        var rng = SeededGenerator(seed: 6)
        let decoder = EventDecoder()
        for d in 0..<40 {
            let floats = (0..<d).map { _ in Float(bitPattern: UInt32.random(in: 0..<0x7F80_0000, using: &rng)) }
            let bytes = floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
            let foundation = Data(bytes).base64EncodedString()
            #expect(String(decoding: Base64Floats.encode(floats), as: UTF8.self) == foundation)
            let json = #"{"event_id":"e","model":"m","embedding_b64":"\#(foundation)"}"#
            let decoded = try decoder.decodeJSON(Array(json.utf8), fallbackTimestampMs: 0).get().embedding!
            #expect(decoded.map(\.bitPattern) == floats.map(\.bitPattern))
            // "\/" is a legal JSON spelling of "/", which base64 text contains.
            let escaped = json.replacingOccurrences(of: "/", with: "\\/")
            #expect(try decoder.decodeJSON(Array(escaped.utf8), fallbackTimestampMs: 0).get().embedding?.map(\.bitPattern) == floats.map(\.bitPattern))
        }
    }

    @Test("base64: a byte just outside the alphabet is refused at every position, full quads and the padded tail")
    func base64RefusesNeighboursOfTheAlphabet() throws {
        var rng = SeededGenerator(seed: 7)
        let decoder = EventDecoder()
        let floats = (0..<40).map { _ in Float.random(in: -1...1, using: &rng) }
        let text = Array(Base64Floats.encode(floats))
        #expect(try decoder.decodeJSON(Array(#"{"event_id":"e","model":"m","embedding_b64":"\#(String(decoding: text, as: UTF8.self))"}"#.utf8),
                                       fallbackTimestampMs: 0).get().embedding == floats)
        // Neighbours of 'A'–'Z', 'a'–'z', '0'–'9', '+', '/', NUL and non-ASCII bytes.
        let outsiders: [UInt8] = [0x40, 0x5B, 0x60, 0x7B, 0x2C, 0x2E, 0x3A, 0x2A, 0x00, 0x80, 0xFF, 0xC1]
        for position in 0..<(text.count - 1) {
            var bad = text
            bad[position] = outsiders[position % outsiders.count]
            let json = Array(#"{"event_id":"e","model":"m","embedding_b64":""#.utf8) + bad + Array(#""}"#.utf8)
            switch decoder.decodeJSON(json, fallbackTimestampMs: 0) {
            case .success: Issue.record("byte \(bad[position]) at \(position) accepted")
            case .failure(let rejection): #expect(rejection.reason == .unparseable, "byte \(bad[position]) at \(position): \(rejection)")
            }
        }
    }

    @Test("binary EVT1 round-trips id, time, cohort, label, float32 score and embedding")
    func binary() throws {
        var rng = SeededGenerator(seed: 3)
        let decoder = EventDecoder()
        for _ in 0..<500 {
            var event = Self.randomEvent(&rng, d: Int.random(in: 1...64, using: &rng))
            // What the record cannot carry: telemetry fields and the model version.
            event.modelVersion = nil
            event.threshold = nil
            event.decision = nil
            event.stage = nil
            event.status = nil
            event.latencyMs = nil
            let value = try EventEncoder.binary(event)
            let back = try decoder.decode(value: value, key: EventEncoder.kafkaKey(for: event),
                                          contentType: EventDecoder.binaryContentType, fallbackTimestampMs: nil).get()
            #expect(same(event, back))
            // Without a cohort in the key the cohort comes from the record's index (c<N>).
            let modelOnly = try decoder.decode(value: value, key: Array(event.model.utf8), contentType: nil, fallbackTimestampMs: nil).get()
            #expect(modelOnly.cohort == event.cohort)
        }
    }

    @Test("an .events.bin written record by record reads back whole")
    func eventsFile() throws {
        var rng = SeededGenerator(seed: 4)
        let events = (0..<50).map { i in
            var e = Self.randomEvent(&rng, d: 8)
            (e.modelVersion, e.threshold, e.decision, e.stage, e.status, e.latencyMs) = (nil, nil, nil, nil, nil, nil)
            e.model = "m"
            e.eventID = String(i)
            return e
        }
        var file = [UInt8]()
        EVT1.appendHeader(n: events.count, d: 8, to: &file)
        for e in events { EVT1.append(try EventEncoder.record(e), to: &file) }
        let back = try EventFileReader(model: "m").read(file, name: "test.events.bin")
        #expect(back.count == events.count)
        for (a, b) in zip(events, back) { #expect(same(a, b)) }
        // And as JSON lines, with a blank line and CRLF endings.
        let lines = events.map { String(decoding: EventEncoder.json($0), as: UTF8.self) }.joined(separator: "\r\n") + "\n\n"
        let fromJSON = try EventFileReader().read(Array(lines.utf8), name: "test.jsonl")
        #expect(fromJSON.count == events.count)
        for (a, b) in zip(events, fromJSON) { #expect(same(a, b)) }
    }
}

extension String {
    /// Models may not contain '/', which separates model and cohort in the Kafka key.
    fileprivate var replacingSlash: String { String(map { $0 == "/" ? "-" : $0 }) }
}

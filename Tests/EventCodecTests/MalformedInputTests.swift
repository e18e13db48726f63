import EventCodec
import Testing
import TwinwatchCore

/// Every class of bad input is refused with its reason and a located detail, and nothing crashes.
@Suite("Malformed input")
struct MalformedInputTests {
    private let decoder = EventDecoder(dimensions: ["m": 3], knownModels: ["m"], maxBytes: 4096)

    private func reject(_ json: String) -> EventRejection? {
        if case .failure(let r) = decoder.decodeJSON(Array(json.utf8), fallbackTimestampMs: 1) { return r }
        return nil
    }

    @Test("syntax errors are unparseable and name the byte offset", arguments: [
        (#""#, "empty message"),
        (#"   "#, "empty message"),
        (#"[1,2]"#, "at byte 0"),
        (#"{"event_id":"e","model":"m","score":1"#, "at byte 37"),                    // truncated
        (#"{"event_id":"e","model":"m","score":1}x"#, "trailing data"),               // trailing garbage
        (#"{"event_id":"e","model":"m","score":1}{}"#, "trailing data"),
        (#"{"event_id":"e","model":"m","score":1,}"#, "at byte 38"),                  // trailing comma
        (#"{"event_id":"e" "model":"m","score":1}"#, "expected ',' or '}'"),
        (#"{"event_id":"e","model":"m","score":01}"#, "expected ',' or '}'"),          // leading zero
        (#"{"event_id":"e","model":"m","score":1.}"#, "digit after '.'"),
        (#"{"event_id":"e","model":"m","score":1e}"#, "digit in the exponent"),
        (#"{"event_id":"e","model":"m","score":-}"#, "digit after '-'"),
        (#"{"event_id":"e","model":"m","score":+1}"#, "expected a number"),
        (#"{"event_id":"e","model":"m","score":.5}"#, "expected a number"),
        (#"{"event_id":"e","model":1,"score":1}"#, "model: expected a string"),        // wrong type
        (#"{"event_id":["e"],"model":"m","score":1}"#, "event_id: expected a string"),
        (#"{"event_id":"e","model":"m","score":"0.5"}"#, "score: expected a number"),
        (#"{"event_id":"e","model":"m","embedding":"1,2,3"}"#, "embedding: expected an array"),
        (#"{"event_id":"e","model":"m","embedding":[1,"2",3]}"#, "embedding[1]"),
        (#"{"event_id":"e","model":"m","embedding":[1,2 3]}"#, "embedding[1]"),
        (#"{"event_id":"e","model":"m","embedding":[1,2,]}"#, "embedding[2]"),
        (#"{"event_id":"e","model":"m","score":1,"score":2}"#, "duplicate key \"score\""),
        (#"{"event_id":"e","model":"m","label":2,"score":1}"#, "label"),
        (#"{"event_id":"e","model":"m","ts":1.5,"score":1}"#, "ts: epoch milliseconds"),
        (#"{"event_id":"e","model":"m","ts":"2026-02-30T00:00:00Z","score":1}"#, "not RFC 3339"),
        (#"{"event_id":"e\x","model":"m","score":1}"#, "invalid escape"),
        (#"{"event_id":"e\ud800","model":"m","score":1}"#, "unpaired surrogate"),
        (#"{"event_id":"e\u12","model":"m","score":1}"#, "\\u escape"),
        (#"{"event_id":"e","model":"m","score":1,"x":{"a":[1,{"b":tru}]}}"#, "invalid literal"),
        (#"{"event_id":"e","model":"m","embedding_b64":"AAAA"}"#, "embedding_b64: decodes to 3 bytes"),
        (#"{"event_id":"e","model":"m","embedding_b64":"AAA*AAAAAAAAAAAA"}"#, "invalid base64 character '*'"),
        (#"{"event_id":"e","model":"m","embedding_b64":"AAAAAAA"}"#, "not a multiple of 4"),
        (#"{"event_id":"e","model":"m","embedding":[1,2,3],"embedding_b64":""}"#, "both embedding and embedding_b64"),
    ])
    func syntax(json: String, detail: String) {
        guard let r = reject(json) else {
            Issue.record("accepted \(json)")
            return
        }
        #expect(r.reason == .unparseable, "\(json) → \(r)")
        #expect(r.detail.contains(detail), "\(json) → \(r)")
        #expect(r.detail.contains("at byte"), "\(json) → \(r)")
    }

    @Test("control characters inside strings and deep nesting are refused")
    func structure() {
        #expect(reject("{\"event_id\":\"a\u{01}b\",\"model\":\"m\",\"score\":1}")?.reason == .unparseable)
        let deep = #"{"event_id":"e","model":"m","score":1,"x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect(reject(deep)?.detail.contains("nesting") == true)
        #expect(reject("{\"event_id\":\"\u{FF}\",\"model\":\"m\",\"score\":1}") == nil)  // U+00FF is valid UTF-8 text
        var invalidUTF8 = Array(#"{"event_id":"#.utf8) + [0x22, 0xC3, 0x28, 0x22] + Array(#","model":"m","score":1}"#.utf8)
        #expect(decoder.decodeJSON(invalidUTF8, fallbackTimestampMs: nil).rejectionDetail?.contains("UTF-8") == true)
        invalidUTF8 = []
    }

    @Test("NaN and Infinity tokens and out-of-range values are non_finite, with the index", arguments: [
        (#"{"event_id":"e","model":"m","embedding":[1,NaN,3]}"#, "embedding[1]"),
        (#"{"event_id":"e","model":"m","embedding":[1,2,-Infinity]}"#, "embedding[2]"),
        (#"{"event_id":"e","model":"m","embedding":[3.5e38,2,3]}"#, "embedding[0]"),
        (#"{"event_id":"e","model":"m","embedding":[1,1e400,3]}"#, "embedding[1]"),
        (#"{"event_id":"e","model":"m","score":NaN}"#, "score"),
        (#"{"event_id":"e","model":"m","score":1e309}"#, "score"),
        (#"{"event_id":"e","model":"m","score":1,"latency_ms":Infinity}"#, "latency_ms"),
        (#"{"event_id":"e","model":"m","embedding_b64":"AACAfwAAAAAAAAAA"}"#, "embedding[0]"),  // +inf, 0, 0
    ])
    func nonFinite(json: String, detail: String) {
        let r = reject(json)
        #expect(r?.reason == .nonFinite, "\(json) → \(String(describing: r))")
        #expect(r?.detail.contains(detail) == true, "\(json) → \(String(describing: r))")
    }

    @Test("validation keeps its order and reasons", arguments: [
        (#"{"event_id":null,"model":"m","score":1}"#, EventRejection.Reason.missingField),
        (#"{"event_id":"","model":"m","score":1}"#, .missingField),
        (#"{"event_id":"\#(String(repeating: "x", count: 129))","model":"m","score":1}"#, .missingField),
        (#"{"event_id":"e","score":1}"#, .missingField),
        (#"{"event_id":"e","model":"x","embedding":[NaN]}"#, .unknownModel),         // unknown model before non-finite
        (#"{"event_id":"e","model":"m","embedding":[NaN]}"#, .wrongDimension),      // dimension before non-finite
        (#"{"event_id":"e","model":"m","embedding":[]}"#, .wrongDimension),
        (#"{"event_id":"e","model":"m","embedding_b64":"AACAPwAAAEA="}"#, .wrongDimension),
        (#"{"event_id":"e","model":"m","embedding_b64":"AACAPwAAAEAAAEBAAACAQA=="}"#, .wrongDimension),
    ])
    func order(json: String, reason: EventRejection.Reason) {
        #expect(reject(json)?.reason == reason, "\(json)")
    }

    @Test("embedding_b64 with the model's dimension known: plain, escaped, and with a quote inside")
    func base64WithDimension() throws {
        let plain = #"{"event_id":"e","model":"m","embedding_b64": "AACAPwAAAEAAAEBA" }"#
        #expect(try decoder.decodeJSON(Array(plain.utf8), fallbackTimestampMs: 0).get().embedding == [1, 2, 3])
        let escaped = #"{"event_id":"e","model":"m","embedding_b64":"AACAPwAAAEAAAEBA\/"}"#
        #expect(reject(escaped)?.detail.contains("embedding_b64") == true)
        let early = #"{"event_id":"e","model":"m","embedding_b64":"AACAPwAAAEA=","x":"AAAAAA"}"#  // a quote 16 bytes in
        #expect(reject(early)?.reason == .wrongDimension)
    }

    @Test("unknown keys of any shape are skipped; whitespace is allowed anywhere")
    func lenient() throws {
        let json = " \n{ \"x\" : {\"a\\\"b\":[1,-2.5e-3,true,false,null,{\"c\":\"\\u00e9\\ud83d\\ude00\"}]} ,\t\"event_id\" :\"e\\u0031\",\r\n"
            + "\"model\":\"m\", \"unknown\" : [] , \"unknown\": 1, \"embedding\" : [ 1 , -0.0 ,\n2e0 ] , \"cohort\":null }\n "
        let event = try decoder.decodeJSON(Array(json.utf8), fallbackTimestampMs: 5).get()
        #expect(event.eventID == "e1")
        #expect(event.embedding?.map(\.bitPattern) == [Float(1), -0.0, 2].map(\.bitPattern))
        #expect(event.cohort == "default")
        #expect(event.timestampMs == 5)
    }

    @Test("binary values: truncated, trailing bytes, wrong version, bad label, no model in the key")
    func binary() throws {
        let event = InferenceEvent(eventID: "7", timestampMs: 1, model: "m", cohort: "c1", score: 0.5, embedding: [1, 2, 3], label: 1)
        let good = try EventEncoder.binary(event)
        func reason(_ value: [UInt8], key: String? = "m") -> EventRejection? {
            if case .failure(let r) = decoder.decode(value: value, key: key.map { Array($0.utf8) },
                                                      contentType: "Application/X-Twinwatch-Event; v=1", fallbackTimestampMs: nil) { return r }
            return nil
        }
        #expect(reason(good) == nil)
        #expect(reason(Array(good.dropLast()))?.detail.contains("truncated") == true)
        #expect(reason(good + [0])?.detail.contains("trailing bytes") == true)
        #expect(reason(Array(good.prefix(10)))?.detail.contains("truncated header") == true)
        var v2 = good
        v2[4] = 2
        #expect(reason(v2)?.detail.contains("version 2") == true)
        var label = good
        label[16 + 18] = 7
        #expect(reason(label)?.detail.contains("label 7") == true)
        var nan = good
        nan.replaceSubrange((16 + 24)..<(16 + 28), with: [0, 0, 0xC0, 0x7F])
        #expect(reason(nan)?.reason == .nonFinite)
        #expect(reason(good, key: nil)?.reason == .missingField)
        #expect(reason(good, key: "/c1")?.reason == .missingField)
        #expect(reason(good, key: "other")?.reason == .unknownModel)
        #expect(reason(EVT1.message(EVT1.Record(eventID: 1, timestampMs: 1, cohortIndex: 0, label: 255, score: .nan, embedding: [])))?.reason == .missingField)
    }

    @Test("event files: truncated and trailing bytes are typed errors")
    func files() throws {
        let bytes = try Fixture.bytes("baseline.events.bin")
        let reader = EventFileReader(model: "siamese-v1")
        #expect(throws: EventFileError.self) { try reader.read(Array(bytes.dropLast(5)), name: "x") }
        do {
            _ = try reader.read(Array(bytes.dropLast(5)), name: "x")
        } catch {
            #expect(error.code == .truncated)
            #expect(error.location == "x: record 1999")
        }
        do { _ = try reader.read(bytes + [1], name: "x") } catch { #expect(error.code == .trailingBytes) }
        do { _ = try reader.read(Array(bytes.prefix(9)), name: "x") } catch { #expect(error.code == .badHeader) }
        let jsonl = try Fixture.bytes("baseline.jsonl")
        do {
            _ = try EventFileReader().read(Array(jsonl.dropLast(40)), name: "b.jsonl")
            Issue.record("a cut-off last line was accepted")
        } catch {
            #expect(error.code == .invalidEvent)
            #expect(error.location == "b.jsonl:2000")
        }
    }

    @Test("10 000 random and mutated inputs never crash, and every refusal is located")
    func fuzz() throws {
        var rng = SeededGenerator(seed: 99)
        let seeds = [
            Array(#"{"event_id":"e-1","ts":"2026-11-25T10:00:00.123Z","model":"m","cohort":"c","score":0.25,"label":1,"embedding":[0.5,-1e-3,2.5]}"#.utf8),
            Array(#"{"event_id":"e-2","ts":17000,"model":"m","embedding_b64":"AACAPwAAAEAAAEBA","x":{"y":["\u00e9",null]}}"#.utf8),
            try EventEncoder.binary(InferenceEvent(eventID: "9", timestampMs: 5, model: "m", score: 0.5, embedding: [1, 2, 3])),
        ]
        let alphabet = Array(#"{}[]:,"\-+.eE0123456789 ntrufalsNaIiy"#.utf8)
        var accepted = 0
        for i in 0..<10_000 {
            var input: [UInt8]
            if i % 4 == 0 {
                input = (0..<Int.random(in: 0...80, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                input = seeds.randomElement(using: &rng)!
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let at = Int.random(in: 0..<max(input.count, 1), using: &rng)
                    switch Int.random(in: 0..<4, using: &rng) {
                    case 0 where !input.isEmpty: input[at] = alphabet.randomElement(using: &rng)!
                    case 1 where !input.isEmpty: input.remove(at: at)
                    case 2: input.insert(UInt8.random(in: 0...255, using: &rng), at: min(at, input.count))
                    default: input = Array(input.prefix(at))
                    }
                }
            }
            let contentType: String? = i % 3 == 0 ? EventDecoder.binaryContentType : nil
            switch decoder.decode(value: input, key: Array("m".utf8), contentType: contentType, fallbackTimestampMs: 0) {
            case .success(let event):
                accepted += 1
                #expect(event.embedding == nil || event.embedding!.allSatisfy(\.isFinite))
            case .failure(let r):
                if r.reason == .unparseable && contentType == nil && !input.starts(with: EVT1.magic) {
                    #expect(r.detail.contains("at byte") || r.detail.contains("empty"), "\(r)")
                }
            }
            _ = FeedbackDecoder().decode(input, fallbackTimestampMs: 0)
        }
        #expect(accepted > 0, "some mutations must stay valid, or the mutator tests nothing")
    }
}

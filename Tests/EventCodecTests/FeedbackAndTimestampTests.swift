import EventCodec
import Testing
import TwinwatchCore

@Suite("Feedback messages")
struct FeedbackDecoderTests {
    private let decoder = FeedbackDecoder(knownModels: ["face-verify"])

    private func decode(_ json: String) -> Result<Feedback, EventRejection> {
        decoder.decode(Array(json.utf8), fallbackTimestampMs: 42)
    }

    @Test("the three shapes of DESIGN §3")
    func shapes() throws {
        #expect(try decode(#"{"event_id":"e-000123","label":1,"ts":"2026-11-25T10:00:00.123Z"}"#).get()
            == .label(eventID: "e-000123", label: 1, timestampMs: 1_795_600_800_123))
        #expect(try decode(#"{"model":"face-verify","cohort":"eu","score":0.81,"label":0}"#).get()
            == .scored(model: "face-verify", cohort: "eu", score: 0.81, label: 0, timestampMs: 42))
        #expect(try decode(#"{"model":"face-verify","score":0.5,"label":true,"ts":7}"#).get()
            == .scored(model: "face-verify", cohort: "default", score: 0.5, label: 1, timestampMs: 7))
        #expect(try decode(#"{"event_id":"q-9","relevant_rank":3}"#).get() == .retrieval(eventID: "q-9", relevantRank: 3, timestampMs: 42))
        #expect(try decode(#"{"event_id":"q-9","relevant_rank":0}"#).get().timestampMs == 42)
    }

    @Test("bad feedback is refused with its reason", arguments: [
        (#"{"event_id":"e"}"#, EventRejection.Reason.missingField),
        (#"{"relevant_rank":2}"#, .missingField),
        (#"{"model":"face-verify","label":1}"#, .missingField),
        (#"{"score":0.5,"label":1}"#, .missingField),
        (#"{"model":"other","score":0.5,"label":1}"#, .unknownModel),
        (#"{"model":"face-verify","score":NaN,"label":1}"#, .nonFinite),
        (#"{"event_id":"e","label":3}"#, .unparseable),
        (#"{"event_id":"e","relevant_rank":-1}"#, .unparseable),
        (#"{"event_id":"e","relevant_rank":1.5}"#, .unparseable),
        (#"{"event_id":"e","label":1"#, .unparseable),
        (#"{"event_id":"e","label":1,"ts":"soon"}"#, .unparseable),
    ])
    func rejections(json: String, reason: EventRejection.Reason) {
        guard case .failure(let r) = decode(json) else {
            Issue.record("accepted \(json)")
            return
        }
        #expect(r.reason == reason, "\(json) → \(r)")
    }
}

@Suite("Timestamps and content types")
struct TimestampTests {
    private let decoder = EventDecoder()

    private func ts(_ text: String) -> Int64? {
        try? decoder.decodeJSON(Array(#"{"event_id":"e","model":"m","score":1,"ts":"\#(text)"}"#.utf8), fallbackTimestampMs: nil).get().timestampMs
    }

    /// `ms` as RFC 3339 text, in integer arithmetic (H. Hinnant's `civil_from_days`).
    /// (`RFC3339.string(millis:)` goes through Double seconds and is 1 ms off for some values.)
    static func text(millis ms: Int64) -> String {
        let days = Int(ms.quotientAndRemainderFlooring(by: 86_400_000).q)
        let msOfDay = Int(ms - Int64(days) * 86_400_000)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let fraction = String(msOfDay % 1000 + 1000).dropFirst()
        return "\(year)-\(two(month))-\(two(day))T\(two(msOfDay / 3_600_000)):\(two(msOfDay / 60_000 % 60)):\(two(msOfDay / 1000 % 60)).\(fraction)Z"
    }

    @Test("RFC 3339 parsing agrees with Foundation's ISO 8601 parser on 2 000 random instants")
    func agreesWithFoundation() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<2_000 {
            let ms = Int64.random(in: 0...7_258_118_400_000, using: &rng)  // 1970…2200
            let text = Self.text(millis: ms)
            #expect(ts(text) == ms, "\(text)")
            #expect(ts(text) == RFC3339.millis(text), "\(text)")
        }
    }

    @Test("offsets, lowercase separators, fractions and invalid dates")
    func forms() {
        #expect(ts("2026-11-25T10:00:00Z") == 1_795_600_800_000)
        #expect(ts("2026-11-25t10:00:00.1z") == 1_795_600_800_100)
        #expect(ts("2026-11-25T12:30:00.123456+02:30") == 1_795_600_800_123)
        #expect(ts("2026-11-25T05:00:00-05:00") == 1_795_600_800_000)
        #expect(ts("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(ts("1969-12-31T23:59:59.999Z") == -1)
        for bad in ["2023-02-29T00:00:00Z", "2026-11-25 10:00:00Z", "2026-11-25T10:00:00", "2026-11-25T24:00:00Z",
                    "2026-13-01T00:00:00Z", "2026-11-25T10:00:00.Z", "2026-11-25T10:00:00+0200", "26-11-25T10:00:00Z"] {
            #expect(ts(bad) == nil, "\(bad)")
        }
    }

    @Test("the content-type header picks the format; EVT1 without a header is sniffed")
    func contentTypes() throws {
        let event = InferenceEvent(eventID: "12", timestampMs: 3, model: "m", cohort: "c0", score: 0.25, embedding: [1])
        let binary = try EventEncoder.binary(event)
        let json = EventEncoder.json(event)
        let key = Array("m/c0".utf8)
        for contentType in ["application/x-twinwatch-event", " APPLICATION/X-TWINWATCH-EVENT ; version=1", nil] {
            #expect(try decoder.decode(value: binary, key: key, contentType: contentType, fallbackTimestampMs: nil).get() == event)
        }
        for contentType in ["application/json", "application/x-twinwatch-events", nil] {
            #expect(try decoder.decode(value: json, key: key, contentType: contentType, fallbackTimestampMs: nil).get() == event)
        }
        // A binary value announced as JSON is refused as unparseable, not misread.
        #expect(decoder.decode(value: binary, key: key, contentType: "application/json", fallbackTimestampMs: nil).rejectionReason == .unparseable)
    }
}

import Foundation
import EventCodec
import Testing
import TwinwatchCore

@Suite("JSON event decoding and validation")
struct EventDecoderTests {
    private let decoder = EventDecoder(dimensions: ["m": 3], knownModels: ["m"], maxBytes: 4096)

    private func decode(_ json: String, timestampMs: Int64? = 99) -> Result<InferenceEvent, EventRejection> {
        decoder.decodeJSON(Array(json.utf8), fallbackTimestampMs: timestampMs)
    }

    @Test("a full event decodes with its RFC 3339 timestamp")
    func fullEvent() throws {
        let event = try decode(#"{"event_id":"e1","ts":"2026-11-25T10:00:00.123Z","model":"m","model_version":"v7","cohort":"eu","score":0.8,"embedding":[0.5,-1,2]}"#).get()
        #expect(event == InferenceEvent(eventID: "e1", timestampMs: 1_795_600_800_123, model: "m", modelVersion: "v7", cohort: "eu", score: 0.8, embedding: [0.5, -1, 2]))
    }

    @Test("epoch-ms ts, base64 embedding, default cohort, Kafka timestamp fallback")
    func variants() throws {
        let b64 = Data([Float(1), 2, 3].flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }).base64EncodedString()
        let event = try decode(#"{"event_id":"e2","ts":1700000000000,"model":"m","embedding_b64":"\#(b64)"}"#).get()
        #expect(event.timestampMs == 1_700_000_000_000)
        #expect(event.embedding == [1, 2, 3])
        #expect(event.cohort == "default")
        #expect(try decode(#"{"event_id":"e3","model":"m","score":0.1}"#, timestampMs: 42).get().timestampMs == 42)
    }

    @Test("each bad input is refused with its reason", arguments: [
        (#"{"event_id":"e","model":"m","embedding":[1,2"#, EventRejection.Reason.unparseable),
        (#"{"model":"m","score":1}"#, .missingField),
        (#"{"event_id":"e","model":"m"}"#, .missingField),
        (#"{"event_id":"e","model":"m","embedding":[1,2]}"#, .wrongDimension),
        (#"{"event_id":"e","model":"other","score":1}"#, .unknownModel),
        (#"{"event_id":"e","model":"m","embedding":[1,2,1e39]}"#, .nonFinite),
        (#"{"event_id":"e","model":"m","ts":"yesterday","score":1}"#, .unparseable),
    ])
    func rejections(json: String, reason: EventRejection.Reason) {
        guard case .failure(let rejection) = decode(json) else {
            Issue.record("accepted \(json)")
            return
        }
        #expect(rejection.reason == reason, "\(rejection)")
    }

    @Test("oversize values are refused before parsing")
    func oversize() {
        let big = #"{"event_id":"e","model":"m","score":1,"pad":""# + String(repeating: "x", count: 5000) + #""}"#
        guard case .failure(let rejection) = decode(big) else {
            Issue.record("accepted oversize")
            return
        }
        #expect(rejection.reason == .oversize)
    }
}

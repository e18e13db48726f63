import EventCodec
import Testing
import TwinwatchCore

/// The decoder's model lookups (`ModelCatalog`) give the answers of `dimensions` / `knownModels`,
/// for few models (scanned) and many (hashed), and follow changes to either property.
@Suite("Model catalog")
struct ModelCatalogTests {
    private func event(model: String, dimensions: Int) -> [UInt8] {
        let values = (0..<dimensions).map { _ in "0.5" }.joined(separator: ",")
        return Array(#"{"event_id":"e","model":"\#(model)","embedding":[\#(values)]}"#.utf8)
    }

    @Test("known models and dimensions, with 2 and with 20 configured models", arguments: [2, 20])
    func lookups(models: Int) throws {
        let names = (0..<models).map { "model-\($0)-with-a-name-longer-than-fifteen-bytes" }
        let decoder = EventDecoder(dimensions: Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0 + 1) }),
                                   knownModels: Set(names))
        for (i, name) in names.enumerated() {
            #expect(try decoder.decodeJSON(event(model: name, dimensions: i + 1), fallbackTimestampMs: 0).get().model == name)
            #expect(decoder.decodeJSON(event(model: name, dimensions: i + 2), fallbackTimestampMs: 0).rejectionReason == .wrongDimension)
        }
        #expect(decoder.decodeJSON(event(model: "other", dimensions: 1), fallbackTimestampMs: 0).rejectionReason == .unknownModel)
        #expect(decoder.decodeJSON(event(model: String(names[0].dropLast()), dimensions: 1), fallbackTimestampMs: 0).rejectionReason == .unknownModel)
    }

    @Test("changing dimensions or knownModels after init takes effect")
    func mutation() throws {
        var decoder = EventDecoder(dimensions: ["m": 2])
        #expect(decoder.decodeJSON(event(model: "m", dimensions: 3), fallbackTimestampMs: 0).rejectionReason == .wrongDimension)
        decoder.dimensions["m"] = 3
        #expect(try decoder.decodeJSON(event(model: "m", dimensions: 3), fallbackTimestampMs: 0).get().embedding?.count == 3)
        decoder.knownModels = ["x"]
        #expect(decoder.decodeJSON(event(model: "m", dimensions: 3), fallbackTimestampMs: 0).rejectionReason == .unknownModel)
        decoder.knownModels = nil
        #expect(try decoder.decodeJSON(event(model: "any", dimensions: 7), fallbackTimestampMs: 0).get().model == "any")
    }

    @Test("binary keys resolve to the configured name; other keys still decode")
    func binaryKeys() throws {
        let decoder = EventDecoder(dimensions: ["m": 1])
        let value = EVT1.message(EVT1.Record(eventID: .max, timestampMs: 1, cohortIndex: 3, label: 1, score: 0.5, embedding: [1]))
        let event = try decoder.decode(value: value, key: Array("m/eu".utf8), contentType: EventDecoder.binaryContentType,
                                       fallbackTimestampMs: nil).get()
        #expect(event.model == "m" && event.cohort == "eu" && event.eventID == String(UInt64.max))
        let zero = EVT1.message(EVT1.Record(eventID: 0, timestampMs: 1, cohortIndex: 3, label: 1, score: 0.5, embedding: [1, 2]))
        let other = try decoder.decode(value: zero, key: Array("mé".utf8), contentType: nil, fallbackTimestampMs: nil).get()
        #expect(other.model == "mé" && other.cohort == "c3" && other.eventID == "0")
    }
}

import TwinwatchCore

/// Why an event cannot be written in a format.
public struct EventEncodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Writes `InferenceEvent`s in the wire formats `EventDecoder` reads (producer, tests, replay).
public enum EventEncoder {
    /// The JSON object of DESIGN §3 (`ts` as epoch milliseconds). Floats are written as Swift's
    /// shortest round-trip text, so decoding gives back the same bits; non-finite values are written
    /// as the `NaN` / `Infinity` tokens that the decoder reports as `non_finite`.
    /// With `base64` the embedding goes into `embedding_b64`.
    public static func json(_ event: InferenceEvent, base64: Bool = false) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(64 + (event.embedding?.count ?? 0) * (base64 ? 6 : 12))
        out += #"{"event_id":"#.utf8
        appendString(event.eventID, to: &out)
        out += #","ts":"#.utf8
        out += String(event.timestampMs).utf8
        out += #","model":"#.utf8
        appendString(event.model, to: &out)
        if let v = event.modelVersion { out += #","model_version":"#.utf8; appendString(v, to: &out) }
        out += #","cohort":"#.utf8
        appendString(event.cohort, to: &out)
        if let v = event.score { out += #","score":"#.utf8; appendNumber(v, to: &out) }
        if let v = event.decision { out += #","decision":"#.utf8; appendString(v, to: &out) }
        if let v = event.threshold { out += #","threshold":"#.utf8; appendNumber(v, to: &out) }
        if let v = event.latencyMs { out += #","latency_ms":"#.utf8; appendNumber(v, to: &out) }
        if let v = event.status { out += #","status":"#.utf8; appendString(v, to: &out) }
        if let v = event.stage { out += #","stage":"#.utf8; appendString(v, to: &out) }
        if let v = event.label { out += #","label":"#.utf8; out += String(v).utf8 }
        if let embedding = event.embedding {
            if base64 {
                out += #","embedding_b64":""#.utf8
                out += Base64Floats.encode(embedding)
                out.append(UInt8(ascii: "\""))
            } else {
                out += #","embedding":["#.utf8
                for (i, v) in embedding.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    appendNumber(v, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The binary `EVT1` message value (n = 1). `event_id` must be a decimal u64 and `label` 0, 1 or
    /// nil; the model and cohort do not fit in the record: send `kafkaKey(for:)` as the message key.
    /// The cohort index is `cohortIndex`, else N for a cohort named `cN`, else 0.
    public static func binary(_ event: InferenceEvent, cohortIndex: UInt16? = nil) throws(EventEncodingError) -> [UInt8] {
        try EVT1.message(record(event, cohortIndex: cohortIndex))
    }

    /// The `EVT1` record of `event` (see `binary`).
    public static func record(_ event: InferenceEvent, cohortIndex: UInt16? = nil) throws(EventEncodingError) -> EVT1.Record {
        guard let id = UInt64(event.eventID), String(id) == event.eventID else {
            throw EventEncodingError(message: "EVT1 needs a decimal u64 event_id, not \"\(event.eventID)\"")
        }
        let label: UInt8
        switch event.label {
        case nil: label = EVT1.noLabel
        case 0?, 1?: label = UInt8(event.label!)
        case let other?: throw EventEncodingError(message: "EVT1 label must be 0 or 1, not \(other)")
        }
        let index = cohortIndex ?? (event.cohort.first == "c" ? UInt16(event.cohort.dropFirst()) : nil) ?? 0
        return EVT1.Record(eventID: id, timestampMs: event.timestampMs, cohortIndex: index, label: label,
                           score: event.score.map(Float.init) ?? .nan, embedding: event.embedding ?? [])
    }

    /// The Kafka key DESIGN §3 prescribes: `model/cohort`.
    public static func kafkaKey(for event: InferenceEvent) -> [UInt8] {
        Array("\(event.model)/\(event.cohort)".utf8)
    }

    private static func appendNumber<F: BinaryFloatingPoint & LosslessStringConvertible>(_ v: F, to out: inout [UInt8]) {
        if v.isNaN {
            out += "NaN".utf8
        } else if v.isInfinite {
            out += (v < 0 ? "-Infinity" : "Infinity").utf8
        } else {
            out += v.description.utf8
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), c]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), c]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20: out += Array(#"\u00"#.utf8) + [hex[Int(c >> 4)], hex[Int(c & 15)]]
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

import TwinwatchCore

extension EventDecoder {
    /// The binary `EVT1` event in `value` (header with n = 1 and one record, nothing after it).
    /// The record has no model name: it comes from `key` (`model` or `model/cohort`); without a
    /// cohort in the key the cohort is `c<index>`. See `EVT1` for the label/score/ts conventions.
    public func decodeBinary(_ value: [UInt8], key: [UInt8]?, fallbackTimestampMs: Int64?) -> Result<InferenceEvent, EventRejection> {
        guard value.count <= maxBytes else {
            return .failure(EventRejection(.oversize, "\(value.count) bytes > \(maxBytes)"))
        }
        let keyParts: (model: String, cohort: String?)
        switch modelAndCohort(key) {
        case .success(let parts): keyParts = parts
        case .failure(let rejection): return .failure(rejection)
        }
        return value.withUnsafeBytes { p in
            let d: Int
            switch EVT1.header(p) {
            case .failure(let what): return .failure(EventRejection(.unparseable, "EVT1: \(what.message)"))
            case .success(let header):
                guard header.n == 1 else { return .failure(EventRejection(.unparseable, "EVT1: \(header.n) records in one message, expected 1")) }
                d = header.d
            }
            let expected = EVT1.headerSize + EVT1.recordSize(dimensions: d)
            guard value.count == expected else {
                let what = value.count < expected ? "truncated" : "trailing bytes"
                return .failure(EventRejection(.unparseable, "EVT1: \(what): \(value.count) bytes, a record of d = \(d) needs \(expected)"))
            }
            let record = EVT1.record(p, at: EVT1.headerSize, d: d)
            return event(from: record, model: keyParts.model, cohort: keyParts.cohort, fallbackTimestampMs: fallbackTimestampMs)
        }
    }

    /// The validated event for a binary record with its model (and cohort name, if known).
    public func event(from record: EVT1.Record, model: String, cohort: String?,
                      fallbackTimestampMs: Int64?) -> Result<InferenceEvent, EventRejection> {
        let label: Int?
        switch record.label {
        case 0, 1: label = Int(record.label)
        case EVT1.noLabel: label = nil
        default: return .failure(EventRejection(.unparseable, "EVT1: label \(record.label), expected 0, 1 or \(EVT1.noLabel) (none)"))
        }
        let event = InferenceEvent(
            eventID: Self.decimalText(record.eventID),
            timestampMs: record.timestampMs == EVT1.noTimestamp ? fallbackTimestampMs ?? 0 : record.timestampMs,
            model: model, cohort: cohort ?? "c\(record.cohortIndex)",
            score: record.score.isNaN ? nil : Double(record.score),
            embedding: record.embedding.isEmpty ? nil : record.embedding, label: label)
        if let rejection = validate(event, firstNonFinite: EVT1.firstNonFinite(record.embedding)) { return .failure(rejection) }
        return .success(event)
    }

    /// `String(value)`, written digit by digit into a stack buffer: the generic integer formatting
    /// behind `String(_:)` showed up at ~7 % of a binary event's decode.
    static func decimalText(_ value: UInt64) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var v = value
            var i = digits.count
            repeat {
                i -= 1
                digits[i] = UInt8(truncatingIfNeeded: v % 10) &+ UInt8(ascii: "0")
                v /= 10
            } while v != 0
            return String(decoding: UnsafeBufferPointer(rebasing: digits[i...]), as: UTF8.self)
        }
    }

    /// Model and optional cohort from a Kafka key `model` or `model/cohort` (split at the first `/`).
    public func modelAndCohort(_ key: [UInt8]?) -> Result<(model: String, cohort: String?), EventRejection> {
        guard let key, !key.isEmpty else {
            return .failure(EventRejection(.missingField, "binary event needs its model in the Kafka key (model or model/cohort)"))
        }
        // Split on bytes: String.firstIndex(of:) walks grapheme clusters, far slower per message.
        let parts = key.withUnsafeBufferPointer { bytes -> (String?, String?) in
            let slash = bytes.firstIndex(of: UInt8(ascii: "/")) ?? bytes.count
            let modelBytes = UnsafeBufferPointer(rebasing: bytes[..<slash])
            let model = models.name(spelledBy: modelBytes) ?? JSONScanner.utf8String(modelBytes)
            let cohort = slash < bytes.count ? JSONScanner.utf8String(UnsafeBufferPointer(rebasing: bytes[(slash + 1)...])) : ""
            return (model, cohort)
        }
        guard let model = parts.0, let cohort = parts.1 else {
            return .failure(EventRejection(.unparseable, "Kafka key is not UTF-8"))
        }
        guard !model.isEmpty else {
            return .failure(EventRejection(.missingField, "Kafka key \"\(String(decoding: key, as: UTF8.self))\" has no model before '/'"))
        }
        return .success((model, cohort.isEmpty ? nil : cohort))
    }
}

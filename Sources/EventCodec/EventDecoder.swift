import Foundation
import TwinwatchCore

/// Decodes and validates JSON inference events (DESIGN §3).
public struct EventDecoder: Sendable {
    /// Expected embedding dimension per model; a model missing here accepts any dimension.
    public var dimensions: [String: Int]
    /// When set, only these models are accepted.
    public var knownModels: Set<String>?
    public var maxBytes: Int

    public init(dimensions: [String: Int] = [:], knownModels: Set<String>? = nil, maxBytes: Int = 1 << 20) {
        self.dimensions = dimensions
        self.knownModels = knownModels
        self.maxBytes = maxBytes
    }

    /// The JSON event in `value`, or why it is refused. `fallbackTimestampMs` (the Kafka message
    /// timestamp) is used when the event has no `ts`.
    public func decodeJSON(_ value: [UInt8], fallbackTimestampMs: Int64?) -> Result<InferenceEvent, EventRejection> {
        guard value.count <= maxBytes else {
            return .failure(EventRejection(.oversize, "\(value.count) bytes > \(maxBytes)"))
        }
        let wire: WireEvent
        do {
            wire = try JSONDecoder().decode(WireEvent.self, from: Data(value))
        } catch DecodingError.keyNotFound(let key, _) {
            return .failure(EventRejection(.missingField, "missing \(key.stringValue)"))
        } catch {
            return .failure(EventRejection(.unparseable, Self.describe(error)))
        }
        return validate(wire, fallbackTimestampMs: fallbackTimestampMs ?? 0)
    }

    private func validate(_ wire: WireEvent, fallbackTimestampMs: Int64) -> Result<InferenceEvent, EventRejection> {
        guard wire.event_id.utf8.count <= 128, !wire.event_id.isEmpty else {
            return .failure(EventRejection(.missingField, "event_id must be 1…128 bytes"))
        }
        if let knownModels, !knownModels.contains(wire.model) {
            return .failure(EventRejection(.unknownModel, "model \"\(wire.model)\""))
        }
        // Decoded as Double so that values beyond Float's range are reported as non-finite, with their index.
        var embedding = wire.embedding?.map(Float.init)
        if embedding == nil, let b64 = wire.embedding_b64 {
            guard let data = Data(base64Encoded: b64), data.count % 4 == 0 else {
                return .failure(EventRejection(.unparseable, "embedding_b64 is not base64 of float32 values"))
            }
            embedding = data.withUnsafeBytes { raw in
                (0..<(data.count / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
            }
        }
        guard embedding != nil || wire.score != nil else {
            return .failure(EventRejection(.missingField, "event needs embedding or score"))
        }
        if let embedding {
            if let expected = dimensions[wire.model], embedding.count != expected {
                return .failure(EventRejection(.wrongDimension, "model \(wire.model) expects \(expected) dimensions, got \(embedding.count)"))
            }
            if let bad = embedding.firstIndex(where: { !$0.isFinite }) {
                return .failure(EventRejection(.nonFinite, "embedding[\(bad)] is not finite"))
            }
        }
        if let score = wire.score, !score.isFinite {
            return .failure(EventRejection(.nonFinite, "score is not finite"))
        }
        let ts: Int64
        switch wire.ts {
        case .none: ts = fallbackTimestampMs
        case .some(.millis(let ms)): ts = ms
        case .some(.text(let text)):
            guard let ms = RFC3339.millis(text) else {
                return .failure(EventRejection(.unparseable, "ts \"\(text)\" is not RFC 3339"))
            }
            ts = ms
        }
        return .success(InferenceEvent(eventID: wire.event_id, timestampMs: ts, model: wire.model, modelVersion: wire.model_version,
                                       cohort: wire.cohort ?? "default", score: wire.score, embedding: embedding))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}

/// The JSON shape on the wire; snake_case names are the contract.
private struct WireEvent: Decodable {
    enum Timestamp: Decodable {
        case millis(Int64)
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let ms = try? container.decode(Int64.self) { self = .millis(ms) } else { self = .text(try container.decode(String.self)) }
        }
    }

    var event_id: String
    var ts: Timestamp?
    var model: String
    var model_version: String?
    var cohort: String?
    var score: Double?
    var embedding: [Double]?
    var embedding_b64: String?
}

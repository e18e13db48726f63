import TwinwatchCore

/// Decodes and validates feedback-topic messages (DESIGN §3) with the event parser's JSON rules.
///
/// The shape decides the kind: `relevant_rank` → retrieval feedback (needs `event_id`);
/// `event_id` + `label` → join feedback; `model` + `score` + `label` → self-contained feedback
/// (`cohort` defaults to `"default"`). Rejections use the event reasons, so the DLQ and
/// `twinwatch_events_rejected_total{reason}` treat both topics alike.
public struct FeedbackDecoder: Sendable {
    /// When set, self-contained feedback for other models is refused (`unknown_model`).
    public var knownModels: Set<String>?
    /// Larger values are refused (`oversize`) before any parsing.
    public var maxBytes: Int

    /// A decoder for the feedback topic.
    public init(knownModels: Set<String>? = nil, maxBytes: Int = 1 << 16) {
        self.knownModels = knownModels
        self.maxBytes = maxBytes
    }

    /// The feedback in `value`, or why it is refused; `fallbackTimestampMs` stands in for a missing `ts`.
    public func decode(_ value: [UInt8], fallbackTimestampMs: Int64?) -> Result<Feedback, EventRejection> {
        guard value.count <= maxBytes else {
            return .failure(EventRejection(.oversize, "\(value.count) bytes > \(maxBytes)"))
        }
        var f = WireFields()
        do throws(JSONScanError) {
            try value.withUnsafeBufferPointer { (bytes) throws(JSONScanError) in try f.parse(bytes, models: .empty) }
        } catch {
            return .failure(error.rejection())
        }
        if let timestampError = f.timestampError { return .failure(timestampError.rejection()) }
        let ts = f.timestampMs ?? fallbackTimestampMs ?? 0
        if let eventID = f.eventID {
            guard !eventID.isEmpty, eventID.utf8.count <= 128 else {
                return .failure(EventRejection(.missingField, "event_id must be 1…128 bytes"))
            }
        }
        if let rank = f.relevantRank {
            guard let eventID = f.eventID else { return .failure(EventRejection(.missingField, "retrieval feedback needs event_id")) }
            return .success(.retrieval(eventID: eventID, relevantRank: rank, timestampMs: ts))
        }
        guard let label = f.label else {
            return .failure(EventRejection(.missingField, "feedback needs label (or relevant_rank)"))
        }
        if let eventID = f.eventID {
            return .success(.label(eventID: eventID, label: label, timestampMs: ts))
        }
        guard let model = f.model else { return .failure(EventRejection(.missingField, "feedback needs event_id, or model and score")) }
        if let knownModels, !knownModels.contains(model) {
            return .failure(EventRejection(.unknownModel, "model \"\(model)\""))
        }
        guard let score = f.score else { return .failure(EventRejection(.missingField, "self-contained feedback needs score")) }
        guard score.isFinite else { return .failure(EventRejection(.nonFinite, "score is not finite")) }
        return .success(.scored(model: model, cohort: f.cohort ?? "default", score: score, label: label, timestampMs: ts))
    }
}

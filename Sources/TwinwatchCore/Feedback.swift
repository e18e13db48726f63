/// Ground truth arriving on the feedback topic (DESIGN §3), after decoding and validation.
public enum Feedback: Sendable, Equatable {
    /// Label for an earlier event, joined by `eventID` (1 = genuine match, 0 = impostor).
    case label(eventID: String, label: Int, timestampMs: Int64)
    /// Self-contained labelled score: needs no join.
    case scored(model: String, cohort: String, score: Double, label: Int, timestampMs: Int64)
    /// Retrieval feedback: rank of the first relevant item (1-based; 0 = none in the top K).
    case retrieval(eventID: String, relevantRank: Int, timestampMs: Int64)

    /// Event time in milliseconds since the Unix epoch (Kafka timestamp when the message has none).
    public var timestampMs: Int64 {
        switch self {
        case .label(_, _, let ts), .scored(_, _, _, _, let ts), .retrieval(_, _, let ts): ts
        }
    }
}

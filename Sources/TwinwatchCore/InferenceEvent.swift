/// One inference published by a serving system (DESIGN §3), after decoding and validation.
public struct InferenceEvent: Sendable, Equatable {
    public var eventID: String
    /// Event time in milliseconds since the Unix epoch (Kafka timestamp when the event has none).
    public var timestampMs: Int64
    public var model: String
    public var modelVersion: String?
    public var cohort: String
    public var score: Double?
    public var embedding: [Float]?
    /// Decision threshold the serving system applied to `score`, when it reports one.
    public var threshold: Double?
    /// Serving decision (`accept` / `reject` / `review`), tracked for the manual-review rate.
    public var decision: String?
    /// Which stage of a multi-stage pipeline made the decision.
    public var stage: String?
    /// Serving outcome (`ok` / `error`), tracked for the error rate.
    public var status: String?
    /// Serving latency in milliseconds, for the latency histogram.
    public var latencyMs: Double?
    /// Inline feedback: 1 = genuine match, 0 = impostor; nil when the event carries none.
    public var label: Int?

    public init(eventID: String, timestampMs: Int64, model: String, modelVersion: String? = nil,
                cohort: String = "default", score: Double? = nil, embedding: [Float]? = nil,
                threshold: Double? = nil, decision: String? = nil, stage: String? = nil, status: String? = nil,
                latencyMs: Double? = nil, label: Int? = nil) {
        self.eventID = eventID
        self.timestampMs = timestampMs
        self.model = model
        self.modelVersion = modelVersion
        self.cohort = cohort
        self.score = score
        self.embedding = embedding
        self.threshold = threshold
        self.decision = decision
        self.stage = stage
        self.status = status
        self.latencyMs = latencyMs
        self.label = label
    }
}

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

    public init(eventID: String, timestampMs: Int64, model: String, modelVersion: String? = nil,
                cohort: String = "default", score: Double? = nil, embedding: [Float]? = nil) {
        self.eventID = eventID
        self.timestampMs = timestampMs
        self.model = model
        self.modelVersion = modelVersion
        self.cohort = cohort
        self.score = score
        self.embedding = embedding
    }
}

import DriftEstimators
import EventCodec
import KafkaIO
import Logging
import TwinwatchCore

/// A consistent copy of one model's data, taken for evaluation outside the actor.
public struct EvaluationInput: Sendable {
    public let model: String
    public let baseline: SortedColumns
    public let window: Matrix
}

/// Owns every model's baseline and window. Ingest writes, the evaluator takes snapshots.
public actor MonitorState {
    private var models: [String: ModelState] = [:]
    private let config: TwinwatchConfig
    private let logger: Logger
    /// Events accepted into state since start.
    public private(set) var accepted = 0
    public init(config: TwinwatchConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Applies decoded events; returns, by index, those refused because their embedding does not
    /// match the dimension the model's first event set (when the config names none).
    public func ingest(_ events: [InferenceEvent]) -> [Int: EventRejection] {
        var refused: [Int: EventRejection] = [:]
        for (index, event) in events.enumerated() {
            guard let embedding = event.embedding else {
                accepted += 1
                continue
            }
            if models[event.model] == nil {
                models[event.model] = ModelState(dimension: embedding.count, captureRows: config.baseline.captureRows, windowSize: config.window.size)
                logger.info("tracking new model", metadata: ["model": "\(event.model)", "dimension": "\(embedding.count)"])
            }
            let dimension = models[event.model]!.dimension
            guard dimension == embedding.count else {
                refused[index] = EventRejection(.wrongDimension, "model \(event.model) has dimension \(dimension), got \(embedding.count)")
                continue
            }
            accepted += 1
            let hadBaseline = models[event.model]!.baseline != nil
            models[event.model]!.append(embedding)
            if !hadBaseline, models[event.model]!.baseline != nil {
                logger.info("baseline captured", metadata: ["model": "\(event.model)", "rows": "\(config.baseline.captureRows)"])
            }
        }
        return refused
    }

    private var assigned: Set<TopicPartition> = []
    /// Feedback received, oldest first, bounded: the verification join (FAR/FRR per cohort) reads it.
    public private(set) var feedback: [Feedback] = []
    private let feedbackCapacity = 100_000

    /// Keeps the newest feedback for the verification join.
    public func ingest(feedback items: [Feedback]) {
        feedback.append(contentsOf: items)
        if feedback.count > feedbackCapacity { feedback.removeFirst(feedback.count - feedbackCapacity) }
    }

    /// Partitions this instance owns now.
    public var assignedPartitionCount: Int { assigned.count }

    /// Models whose baseline is captured.
    public var modelsWithBaseline: Int { models.values.filter { $0.baseline != nil }.count }

    /// Partitions this instance now owns. Window state of their keys is rebuilt from the
    /// stream (the checkpoint store will restore it directly).
    public func partitionsAssigned(_ partitions: [TopicPartition]) {
        assigned.formUnion(partitions)
    }

    /// Partitions taken away; their keys' windows will be built by the new owner.
    public func partitionsRevoked(_ partitions: [TopicPartition]) {
        assigned.subtract(partitions)
    }

    /// Snapshots of the models whose window is ready for evaluation.
    public func evaluationInputs() -> [EvaluationInput] {
        models.sorted { $0.key < $1.key }.compactMap { name, state in
            guard let baseline = state.baseline, state.window.count >= config.window.minRows else { return nil }
            return EvaluationInput(model: name, baseline: baseline, window: state.window.matrix())
        }
    }
}

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
    /// Events refused, by reason.
    public private(set) var rejected: [EventRejection.Reason: Int] = [:]

    public init(config: TwinwatchConfig, logger: Logger) {
        self.config = config
        self.logger = logger
    }

    /// Applies decoded events and counts refusals.
    public func ingest(_ events: [InferenceEvent], rejections: [EventRejection]) {
        for event in events {
            accepted += 1
            guard let embedding = event.embedding else { continue }
            if models[event.model] == nil {
                models[event.model] = ModelState(dimension: embedding.count, captureRows: config.baseline.captureRows, windowSize: config.window.size)
                logger.info("tracking new model", metadata: ["model": "\(event.model)", "dimension": "\(embedding.count)"])
            }
            guard models[event.model]!.dimension == embedding.count else {
                note(EventRejection(.wrongDimension, "model \(event.model) has dimension \(models[event.model]!.dimension), got \(embedding.count)"))
                accepted -= 1
                continue
            }
            let hadBaseline = models[event.model]!.baseline != nil
            models[event.model]!.append(embedding)
            if !hadBaseline, models[event.model]!.baseline != nil {
                logger.info("baseline captured", metadata: ["model": "\(event.model)", "rows": "\(config.baseline.captureRows)"])
            }
        }
        rejections.forEach(note)
    }

    private func note(_ rejection: EventRejection) {
        let count = rejected[rejection.reason, default: 0] + 1
        rejected[rejection.reason] = count
        // Every refusal is counted; the log shows the first of each reason and then one per thousand.
        if count == 1 || count % 1000 == 0 {
            logger.warning("event rejected", metadata: ["reason": "\(rejection.reason.rawValue)", "detail": "\(rejection.detail)", "count": "\(count)"])
        }
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

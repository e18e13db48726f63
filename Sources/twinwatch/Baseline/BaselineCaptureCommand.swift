import ArgumentParser
import StateStore
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Logging
import TwinwatchCore

struct BaselineCaptureCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capture", abstract: "Capture a baseline of one model from the live events topic and store it as a candidate.")

    @Option(help: "Model to capture.")
    var model: String

    @Option(help: "Stop after this many rows.")
    var rows: Int?

    @Option(help: "Stop after this long (e.g. 30m, 1h); with --rows, whichever comes first.")
    var duration: String?

    @Option(help: "Refuse the capture with fewer rows than this.")
    var minRows = 100

    @Option(help: "Comma-separated bootstrap brokers, overriding kafka.brokers.")
    var brokers: String?

    @Option(help: "Events topic, overriding kafka.events_topic.")
    var topic: String?

    @Flag(help: "Read the topic from its beginning instead of from now on.")
    var fromBeginning = false

    @Flag(help: "Leave out events with NaN/Inf or wrong-dimension embeddings instead of refusing the capture.")
    var skipInvalid = false

    @Flag(help: "Promote the captured baseline to active right away.")
    var promote = false

    @OptionGroup var store: StoreOptions

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let config = try store.loadConfig()
        guard rows != nil || duration != nil else { throw CLIError(message: "baseline capture: give --rows N or --duration D", exitCode: 2) }
        let limit: Duration? = try duration.map { text in
            guard let d = DurationParser.parse(text), d > .zero else { throw CLIError(message: "baseline capture: --duration \(text) is not a duration like 30m or 1h", exitCode: 2) }
            return d
        }
        guard let brokerList = brokers.map({ $0.split(separator: ",").map(String.init) }) ?? config?.kafka.brokers else {
            throw CLIError(message: "baseline capture: no brokers: give --brokers or --config", exitCode: 2)
        }
        let eventsTopic = topic ?? config?.kafka.eventsTopic ?? KafkaSettings(brokers: []).eventsTopic
        let db = try store.openStore(config)
        let dimension = config?.modelDimensions[model]
        let captured = try await capture(brokers: brokerList, topic: eventsTopic, overrides: config?.kafka.librdkafka ?? [:],
                                         dimension: dimension, limit: limit)
        try requireCalibratable(captured.rows.rows, cohorts: captured.cohorts, config: config, context: "capture")
        let info = try await storeCall("capture") { () async throws(StoreError) in try await db.insert(captured) }
        print("baseline \(info.id): \(info.model) v\(info.version), \(info.n) × \(info.d) rows captured from \(eventsTopic), status \(info.status.rawValue)")
        if promote {
            try await storeCall("promote \(info.id)") { () async throws(StoreError) in _ = try await db.promote(id: info.id) }
            print("baseline \(info.id) is active")
        }
    }

    private func capture(brokers: [String], topic: String, overrides: [String: String], dimension: Int?, limit: Duration?) async throws -> NewBaseline {
        var settings = overrides
        settings["auto.offset.reset"] = fromBeginning ? "earliest" : "latest"
        // A group of its own: capturing never takes partitions from the daemons.
        let consumer = try KafkaConsumer(brokers: brokers, groupID: "twinwatch-capture-\(UUID().uuidString.prefix(8))", overrides: settings,
                                         logger: logging.logger("twinwatch"))
        try consumer.subscribe([topic])
        let decoder = EventDecoder(dimensions: dimension.map { [model: $0] } ?? [:])
        var collector = CaptureCollector(model: model, dimension: dimension)
        let deadline = limit.map { ContinuousClock.now + $0 }
        let target = rows ?? .max
        var bar = ProgressBar("capturing \(model)")
        let events = consumer.events
        let timer = Task { if let deadline { try? await Task.sleep(until: deadline); await consumer.close() } }
        for await event in events {
            guard case .messages(let batch) = event else { continue }
            for message in batch where collector.count < target {
                switch decoder.decode(message) {
                case .success(let decoded): collector.add(decoded, source: "\(message.topic)/\(message.partition)/\(message.offset)")
                case .failure(let rejection):
                    // The key (`model/cohort`) tells whose event it was; without one it may be ours.
                    let owner = try? decoder.modelAndCohort(message.key).get().model
                    if owner == nil || owner == model { collector.reject(rejection, source: "\(message.topic)/\(message.partition)/\(message.offset)") }
                }
            }
            if let rows { bar.update(collector.count, of: rows) }
            if collector.count >= target { break }
        }
        timer.cancel()
        await consumer.close()
        bar.finish()
        if let problem = collector.invalid, !skipInvalid {
            throw CLIError(message: "baseline capture: refused: \(collector.invalidCount) event(s) of \(model) were invalid (first: \(problem)); "
                + "fix the producer, or pass --skip-invalid to leave them out")
        }
        guard collector.count >= minRows else {
            throw CLIError(message: "baseline capture: refused: only \(collector.count) row(s) of \(model) arrived, --min-rows is \(minRows)")
        }
        return try collector.baseline(topic: topic)
    }
}

/// Rows of one model gathered by `baseline capture`, and the first invalid event seen.
struct CaptureCollector {
    let model: String
    private(set) var dimension: Int?
    private var values: [Float] = []
    private var scores: [Float] = []
    private var cohorts: [String] = []
    private var firstMs = Int64.max, lastMs = Int64.min
    private var modelVersion: String?
    private(set) var invalid: String?
    private(set) var invalidCount = 0
    private(set) var count = 0

    init(model: String, dimension: Int?) {
        self.model = model
        self.dimension = dimension
    }

    mutating func add(_ event: InferenceEvent, source: String) {
        guard event.model == model, let embedding = event.embedding else { return }
        guard embedding.count == (dimension ?? embedding.count) else {
            return reject(EventRejection(.wrongDimension, "dimension \(embedding.count), the capture has \(dimension!)"), source: source)
        }
        dimension = embedding.count
        values.append(contentsOf: embedding)
        scores.append(event.score.map(Float.init) ?? .nan)
        cohorts.append(event.cohort)
        firstMs = min(firstMs, event.timestampMs)
        lastMs = max(lastMs, event.timestampMs)
        modelVersion = event.modelVersion ?? modelVersion
        count += 1
    }

    /// Counts an invalid event of this model (or one whose model cannot be told).
    mutating func reject(_ rejection: EventRejection, source: String) {
        invalidCount += 1
        if invalid == nil { invalid = "\(source): \(rejection.description)" }
    }

    func baseline(topic: String) throws -> NewBaseline {
        NewBaseline(model: model, modelVersion: modelVersion, createdBy: CommandUser.name, source: "capture:\(topic)",
                    timeFrom: RFC3339.string(millis: firstMs), timeTo: RFC3339.string(millis: lastMs),
                    rows: try Matrix(rows: count, cols: dimension ?? 1, values: values), scores: scores, cohorts: cohorts)
    }
}

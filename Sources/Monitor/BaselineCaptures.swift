import StateStore
import DriftEstimators
import TwinwatchCore

/// Baselines being captured from the stream for models without an active one (`baseline.auto_capture`):
/// the first `capture_rows` rows of the model (all cohorts) after the daemon learns it has none.
struct BaselineCaptures: Sendable {
    enum Progress { case none, capturing, completed }

    private struct Capture: Sendable {
        let rows: Int
        let source: String
        var values: [Float] = []
        var scores: [Float] = []
        var cohorts: [String] = []
        var firstMs: Int64 = .max
        var lastMs: Int64 = .min
        var modelVersion: String?
    }

    private var active: [String: Capture] = [:]
    private var completed: [NewBaseline] = []
    private var pending: Set<String> = []
    private var withBaseline: Set<String> = []
    private var known = false
    private var rows = 0
    private var source = ""

    /// Starts capturing for models that have no baseline (and are not already capturing or done).
    mutating func update(modelsWithBaseline: Set<String>, rows: Int, source: String) {
        known = true
        withBaseline = modelsWithBaseline
        self.rows = rows
        self.source = source
        for model in modelsWithBaseline { active[model] = nil; pending.remove(model) }
    }

    /// Feeds one accepted event.
    mutating func append(_ event: InferenceEvent, embedding: [Float], score: Float) -> Progress {
        guard known, !withBaseline.contains(event.model), !pending.contains(event.model) else { return .none }
        // Taken out of the dictionary while it grows: a copy left there would make every append copy all rows.
        var capture = active.removeValue(forKey: event.model) ?? Capture(rows: rows, source: source)
        capture.values.append(contentsOf: embedding)
        capture.scores.append(score)
        capture.cohorts.append(event.cohort)
        capture.firstMs = Swift.min(capture.firstMs, event.timestampMs)
        capture.lastMs = Swift.max(capture.lastMs, event.timestampMs)
        capture.modelVersion = event.modelVersion ?? capture.modelVersion
        guard capture.scores.count >= capture.rows else {
            active[event.model] = capture
            return .capturing
        }
        pending.insert(event.model)
        // Shape is consistent by construction.
        let matrix = try! Matrix(rows: capture.scores.count, cols: embedding.count, values: capture.values)
        completed.append(NewBaseline(model: event.model, modelVersion: capture.modelVersion, createdBy: "twinwatch", source: capture.source,
                                     timeFrom: RFC3339.string(millis: capture.firstMs), timeTo: RFC3339.string(millis: capture.lastMs),
                                     rows: matrix, scores: capture.scores, cohorts: capture.cohorts))
        return .completed
    }

    /// A capture the store refused: capture again from the stream.
    mutating func failed(_ model: String) { pending.remove(model) }

    /// Captures finished since the last call; they stay `pending` until the store reports the baseline.
    mutating func takeCompleted() -> [NewBaseline] {
        defer { completed = [] }
        return completed
    }
}

import StateStore
import DriftEstimators
import TwinwatchCore

/// The rows a model-wide window is scored on, in event time across its cohorts.
///
/// The aggregate ring holds rows in the order they were consumed, and Kafka delivers each
/// partition (each cohort key) in bursts — one fetch per partition, and whole backlogs after lag —
/// so the newest m consumed rows can be mostly one cohort, a mix the baseline never had, which
/// the estimators would call drift when cohorts differ. So the aggregate is composed from the
/// cohort windows instead: the newest m rows by event time, up to a watermark — the oldest of the
/// cohorts' newest event times, over the cohorts active within the window's time span (a quiet
/// cohort does not hold the watermark back) — so every active cohort contributes what it sent.
/// It needs event times (the event's `ts` or the Kafka message timestamp); without them the
/// aggregate is not scored at all (`MonitorState.evaluationInputs`), its cohorts are.
extension WindowSet {
    /// The newest `m` rows of `model` in event-time order up to the watermark, or nil when the
    /// cohort windows hold fewer or carry no event times (the aggregate is then not scored).
    func aggregateRows(model: String, count m: Int) -> (matrix: Matrix, scores: [Float])? {
        let cohorts = windows.filter { $0.key.model == model && $0.key.cohort != WindowSettings.aggregateCohort && $0.value.window.count > 0 }
            .sorted { $0.key < $1.key }.map(\.value.window)
        guard let aggregate = windows[WindowID(model: model, cohort: WindowSettings.aggregateCohort)]?.window, aggregate.count > 0,
              let dimension = cohorts.first?.dimension else { return nil }
        // Active cohorts: those with an event within the aggregate ring's time span of the newest.
        let newest = cohorts.map { $0.timestamp(of: $0.appended - 1) }
        let latest = newest.max()!
        let span = latest - aggregate.timestamp(of: aggregate.oldestSeq)
        // Without event times (no `ts`, a broker without message timestamps: all equal) there is
        // no order to compose by: consumption order it is.
        guard span > 0 else { return nil }
        let watermark = zip(cohorts, newest).filter { latest - $0.1 <= span }.map(\.1).min()!
        // (event time, cohort, sequence) of each cohort's newest m rows up to the watermark (no
        // cohort can give more), then the newest m of them all.
        var candidates: [(ts: Int64, cohort: Int, seq: Int64)] = []
        for (c, window) in cohorts.enumerated() {
            var taken = 0, seq = window.appended - 1
            while seq >= window.oldestSeq && taken < m {
                let ts = window.timestamp(of: seq)
                if ts <= watermark { candidates.append((ts, c, seq)); taken += 1 }
                seq -= 1
            }
        }
        guard candidates.count >= m else { return nil }
        candidates.sort { ($0.ts, $0.cohort, $0.seq) > ($1.ts, $1.cohort, $1.seq) }
        var values: [Float] = [], scores: [Float] = []
        values.reserveCapacity(m * dimension)
        scores.reserveCapacity(m)
        for row in candidates.prefix(m).reversed() { cohorts[row.cohort].copyRow(row.seq, into: &values, scores: &scores) }
        // Shape is consistent by construction.
        return (try! Matrix(rows: m, cols: dimension, values: values), scores)
    }
}

import Logging
import StateStore
import TwinwatchCore

/// What an operator sees of estimator work past its budget (`EstimatorWork`'s reports): an error
/// line naming its key, `twinwatch_estimator_overruns_total` and `_overrunning`, and a row in
/// the store that `twinwatch baseline show` lists (through `OverrunLedger`).
public struct OverrunReporter: Sendable {
    private let logger: Logger
    private let metrics: DaemonMetrics
    private let ledger: OverrunLedger

    public init(store: TwinwatchStore, metrics: DaemonMetrics, logger: Logger) {
        self.logger = logger
        self.metrics = metrics
        ledger = OverrunLedger(store: store, logger: logger)
    }

    /// Called on the thread that saw it; never blocks (the store write runs in a task).
    public func report(_ report: EstimatorWork.Report) {
        switch report {
        case .overrun(let item):
            metrics.estimatorOverruns(item.kind).increment()
            metrics.estimatorOverrunning(item.kind).increment()
            logger.error("\(item.kind.activity) still running past its budget",
                         metadata: Self.metadata(item).merging([
                             "consequence": "\(item.kind == .calibration ? "the window is not scored until it ends" : "the round goes on without it; the window is evaluated again once it ends")",
                         ]) { a, _ in a })
        case .ended(let item, let seconds, let failed):
            metrics.estimatorOverrunning(item.kind).decrement()
            logger.warning("\(item.kind.activity) past its budget has ended",
                           metadata: Self.metadata(item).merging(["seconds": "\(seconds)", "failed": "\(failed)"]) { a, _ in a })
        }
        Task { await ledger.record(report) }
    }

    static func metadata(_ item: EstimatorWork.Item) -> Logger.Metadata {
        ["work": "\(item.kind.rawValue)", "model": "\(item.model)", "cohort": "\(item.cohort)", "baseline": "\(item.baselineID)",
         "window": "\(item.windowSize)", "budget_seconds": "\(item.budget / .seconds(1))"]
    }
}

/// The store side of overruns: one row per overrun, updated when it ends. Reports arrive in
/// separate tasks, so an end may overtake its start's insert; it waits for it here.
actor OverrunLedger {
    private let store: TwinwatchStore
    private let logger: Logger
    private var rows: [UInt64: Int64] = [:]
    private var endedEarly: [UInt64: (seconds: Double, failed: Bool)] = [:]

    init(store: TwinwatchStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    func record(_ report: EstimatorWork.Report) async {
        do {
            switch report {
            case .overrun(let item):
                let row = try await store.recordOverrun(EstimatorOverrun(
                    kind: item.kind.rawValue, model: item.model, cohort: item.cohort, baselineID: item.baselineID,
                    windowSize: item.windowSize, startedAt: RFC3339.string(millis: item.startedMs), budgetSeconds: item.budget / .seconds(1)))
                if let ended = endedEarly.removeValue(forKey: item.id) {
                    try await store.endOverrun(id: row, outcome: ended.failed ? .failed : .finished, seconds: ended.seconds)
                } else {
                    rows[item.id] = row
                }
            case .ended(let item, let seconds, let failed):
                guard let row = rows.removeValue(forKey: item.id) else {
                    endedEarly[item.id] = (seconds, failed)
                    return
                }
                try await store.endOverrun(id: row, outcome: failed ? .failed : .finished, seconds: seconds)
            }
        } catch {
            logger.warning("cannot record an estimator overrun in the store", metadata: ["error": "\(error)"])
        }
    }
}

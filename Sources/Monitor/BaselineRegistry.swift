import BaselineStore
import DriftEstimators
import Foundation
import Logging
import TwinwatchCore

/// What a window of one model is compared with at one window size.
public struct DriftReference: Sendable {
    public let baseline: BaselineInfo
    public let profile: BaselineProfile
    /// Summary of the reference part of the baseline (the rest is the calibration pool).
    public let summary: BaselineSummary
    /// Nil when the baseline is too small to split off a pool for this window size: the rule then
    /// falls back to the raw threshold of `drift.estimator`.
    public let null: NullCalibration?
}

/// The active baseline of every model, loaded once, with one reference per window size. Null
/// calibrations come from the store, or are computed once in the background (off the cooperative
/// pool) and persisted; until then the window is reported as pending, never alerted on.
actor BaselineRegistry {
    enum Lookup: Sendable {
        case noBaseline
        case pending
        case ready(DriftReference)
    }

    private struct Key: Hashable { let baselineID: Int64; let windowSize: Int }

    private enum Entry {
        case calibrating
        case ready(DriftReference)
        /// Preparing the reference or its null failed at this instant; retried after `retryDelay`.
        case failed(ContinuousClock.Instant)
    }

    private let store: TwinwatchStore
    private let configuration: DriftConfiguration
    private let resamples: Int
    /// Threads a null calibration uses (`evaluation.concurrency`).
    private let threads: Int
    private let logger: Logger
    private var active: [String: Int64] = [:]
    private var baselines: [Int64: StoredBaseline] = [:]
    private var entries: [Key: Entry] = [:]
    private let calibrationQueue = DispatchQueue(label: "twinwatch.null-calibration")
    /// A failed preparation (say, the store busy) is tried again after this long, so a transient
    /// fault does not leave a model unscored until the next restart.
    private let retryDelay: Duration

    /// Pool of `poolFactor`·m rows (at most half the baseline) for the null of window size m.
    static let poolFactor = 20
    static let splitSeed: UInt64 = 42

    init(store: TwinwatchStore, settings: DriftSettings, resamples: Int, threads: Int, logger: Logger,
         retryDelay: Duration = .seconds(30)) {
        self.store = store
        self.retryDelay = retryDelay
        configuration = Self.configuration(settings)
        self.resamples = resamples
        self.threads = threads
        self.logger = logger
    }

    /// Estimator parameters of the daemon (DESIGN §5 defaults; kNN KL subsampled to bound its cost).
    static func configuration(_ settings: DriftSettings) -> DriftConfiguration {
        DriftConfiguration(estimators: Set(settings.estimators.map { DriftEstimatorKind(rawValue: $0.rawValue)! }), knnMaxRows: 2000)
    }

    /// Re-reads which baseline is active per model; returns the models whose baseline changed.
    func refresh() async throws(StoreError) -> [String: Int64?] {
        let now = try await store.activeBaselines()
        var changed: [String: Int64?] = [:]
        for model in Set(now.keys).union(active.keys) where now[model] != active[model] { changed[model] = now[model] }
        active = now
        let inUse = Set(now.values)
        baselines = baselines.filter { inUse.contains($0.key) }
        entries = entries.filter { inUse.contains($0.key.baselineID) }
        return changed
    }

    var modelsWithBaseline: Set<String> { Set(active.keys) }

    /// The reference for `model` at window size `m`, starting its null calibration if needed.
    func reference(model: String, windowSize m: Int) async -> Lookup {
        guard let id = active[model] else { return .noBaseline }
        let key = Key(baselineID: id, windowSize: m)
        switch entries[key] {
        case .ready(let reference): return .ready(reference)
        case .calibrating: return .pending
        case .failed(let at) where ContinuousClock.now - at < retryDelay: return .noBaseline
        case .failed: logger.info("retrying the baseline reference", metadata: ["model": "\(model)", "baseline": "\(id)", "window": "\(m)"])
        case nil: break
        }
        entries[key] = .calibrating
        do {
            let baseline = try await load(id)
            let poolRows = min(Self.poolFactor * m, baseline.rows.rows / 2)
            guard poolRows >= 2 * m else {
                // Too small to calibrate at this size: the whole baseline is the reference.
                let summary = try await offload { [configuration] in try BaselineSummary(baseline: baseline.rows, configuration: configuration) }
                let reference = DriftReference(baseline: baseline.info, profile: baseline.profile, summary: summary, null: nil)
                entries[key] = .ready(reference)
                logger.warning("baseline too small for a null at this window size; using the raw threshold",
                               metadata: ["model": "\(model)", "baseline": "\(id)", "window": "\(m)", "baseline_rows": "\(baseline.rows.rows)",
                                          "needed_rows": "\(4 * m)"])
                return .ready(reference)
            }
            let label = nullLabel(poolRows: poolRows)
            let split = try BaselineSplit(baseline.rows, poolRows: poolRows, seed: Self.splitSeed)
            let summary = try await offload { [configuration] in try BaselineSummary(baseline: split.reference, configuration: configuration) }
            if let null = try await store.null(baselineID: id, windowSize: m, configuration: label) {
                let reference = DriftReference(baseline: baseline.info, profile: baseline.profile, summary: summary, null: null)
                entries[key] = .ready(reference)
                return .ready(reference)
            }
            logger.info("computing null calibration", metadata: ["model": "\(model)", "baseline": "\(id)", "window": "\(m)", "resamples": "\(resamples)"])
            Task { await calibrate(key, baseline: baseline, summary: summary, pool: split.pool, label: label) }
            return .pending
        } catch {
            entries[key] = .failed(.now)
            logger.error("cannot prepare baseline reference", metadata: ["model": "\(model)", "baseline": "\(id)", "error": "\(error)"])
            return .noBaseline
        }
    }

    private func calibrate(_ key: Key, baseline: StoredBaseline, summary: BaselineSummary, pool: Matrix, label: String) async {
        let started = ContinuousClock.now
        do {
            let null = try await offload(on: calibrationQueue) { [resamples, threads] in
                try NullCalibration.calibrate(summary: summary, pool: pool, windowSize: key.windowSize, resamples: resamples,
                                              seed: Self.splitSeed, threads: threads)
            }
            try await store.saveNull(null, baselineID: key.baselineID, configuration: label)
            guard entries[key] != nil else { return }  // the baseline was replaced meanwhile
            entries[key] = .ready(DriftReference(baseline: baseline.info, profile: baseline.profile, summary: summary, null: null))
            logger.info("null calibration ready", metadata: ["baseline": "\(key.baselineID)", "window": "\(key.windowSize)",
                                                             "seconds": "\(started.duration(to: .now) / .seconds(1))"])
        } catch {
            entries[key] = .failed(.now)
            logger.error("null calibration failed", metadata: ["baseline": "\(key.baselineID)", "window": "\(key.windowSize)", "error": "\(error)"])
        }
    }

    private func load(_ id: Int64) async throws -> StoredBaseline {
        if let cached = baselines[id] { return cached }
        let loaded = try await store.baseline(id: id)
        baselines[id] = loaded
        return loaded
    }

    /// Identifies what a persisted null depends on besides (baseline, window size).
    private func nullLabel(poolRows: Int) -> String {
        let c = configuration
        return "estimators=\(c.estimators.sorted().map(\.rawValue).joined(separator: ","));projections=\(c.projections);bins=\(c.bins);"
            + "ridge=\(c.ridge);k=\(c.knnKs.map(String.init).joined(separator: ","));knn_max=\(c.knnMaxRows ?? 0);pool=\(poolRows);"
            + "B=\(resamples);seed=\(Self.splitSeed)"
    }
}

/// Runs CPU-heavy estimator work on a Dispatch queue, so the cooperative pool (ingest, HTTP) never waits for it.
func offload<T: Sendable>(on queue: DispatchQueue = .global(), _ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        queue.async { continuation.resume(with: Result { try work() }) }
    }
}

import StateStore
import DriftEstimators
import Foundation
import Logging
import TwinwatchCore

/// What a window of one model and cohort is compared with.
public struct DriftReference: Sendable {
    public let baseline: BaselineInfo
    public let profile: BaselineProfile
    /// Rows of the window this reference is calibrated for: the window size asked for, or fewer
    /// where the baseline holds too few rows of the cohort (the newest rows of the window are scored).
    public let windowSize: Int
    /// Summary of the reference: the cohort's baseline rows (every row for the model aggregate)
    /// except `windowSize` held out, as every null replicate's reference.
    public let summary: BaselineSummary
    public let null: NullCalibration
    /// Health signals of the rows the window is compared with (the cohort's, or all for the
    /// aggregate): what collapse alerts compare the window's signals with.
    public let health: HealthSignals
}

/// The active baseline of every model, loaded once, with one reference per (cohort, window size):
/// a cohort's window is compared with that cohort's baseline rows, the model aggregate with all of
/// them. Null calibrations come from the store, or are computed once in the background (off the
/// cooperative pool) and persisted; until then the window is reported as pending, never alerted on.
actor BaselineRegistry {
    enum Lookup: Sendable {
        case noBaseline
        case pending
        case ready(DriftReference)
        /// The baseline holds too few rows of the cohort for any calibrated window: not scored.
        case uncalibrated(String)

        /// The lookup as the operations API reports it.
        var status: CalibrationStatus {
            switch self {
            case .noBaseline: .noBaseline
            case .pending: .calibrating
            case .ready(let r): .calibrated(baselineID: r.baseline.id, windowSize: r.windowSize)
            case .uncalibrated(let why): .uncalibrated(why)
            }
        }
    }

    private struct Key: Hashable { let baselineID: Int64; let cohort: String; let windowSize: Int }

    private enum Entry {
        case calibrating
        case ready(DriftReference)
        case uncalibrated(String)
        /// Preparing the reference or its null failed at this instant; retried after `retryDelay`.
        case failed(ContinuousClock.Instant)
    }

    private let store: TwinwatchStore
    private let configuration: DriftConfiguration
    private let resamples: Int
    /// Threads a null calibration uses (`evaluation.concurrency`).
    private let threads: Int
    /// Where a calibration past its budget is seen (`evaluation.budget_*`).
    private let work: EstimatorWork
    private let budget: WorkBudget
    private let logger: Logger
    private var active: [String: Int64] = [:]
    private var baselines: [Int64: StoredBaseline] = [:]
    private var entries: [Key: Entry] = [:]
    private let calibrationQueue = DispatchQueue(label: "twinwatch.null-calibration")
    /// A failed preparation (say, the store busy) is tried again after this long, so a transient
    /// fault does not leave a model unscored until the next restart.
    private let retryDelay: Duration

    static let splitSeed: UInt64 = 42

    init(store: TwinwatchStore, settings: DriftSettings, resamples: Int, threads: Int, work: EstimatorWork = EstimatorWork(),
         budget: WorkBudget = EvaluationSettings().budget, logger: Logger, retryDelay: Duration = .seconds(30)) {
        self.store = store
        self.work = work
        self.budget = budget
        self.retryDelay = retryDelay
        configuration = settings.estimatorConfiguration
        self.resamples = resamples
        self.threads = threads
        self.logger = logger
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

    /// Each model's active baseline's creation time (RFC 3339), for the baseline-age signal.
    var activeBaselineCreation: [(model: String, createdAt: String)] {
        active.sorted { $0.key < $1.key }.compactMap { model, id in baselines[id].map { (model, $0.info.createdAt) } }
    }

    /// The reference for `model`'s `cohort` at window size `m`, starting its null calibration if needed.
    func reference(model: String, cohort: String, windowSize m: Int) async -> Lookup {
        guard let id = active[model] else { return .noBaseline }
        let key = Key(baselineID: id, cohort: cohort, windowSize: m)
        switch entries[key] {
        case .ready(let reference): return .ready(reference)
        case .uncalibrated(let why): return .uncalibrated(why)
        case .calibrating: return .pending
        case .failed(let at) where ContinuousClock.now - at < retryDelay: return .noBaseline
        case .failed: logger.info("retrying the baseline reference", metadata: ["model": "\(model)", "cohort": "\(cohort)", "baseline": "\(id)", "window": "\(m)"])
        case nil: break
        }
        entries[key] = .calibrating
        do {
            let baseline = try await load(id)
            let rows = Self.rows(of: cohort, in: baseline)
            guard let size = Self.calibratedWindow(requested: m, baselineRows: rows.rows) else {
                let why = rows.rows == 0 && baseline.cohorts == nil
                    ? "baseline \(id) was stored without row cohorts: only the model aggregate is scored"
                    : "baseline \(id) holds \(rows.rows) rows of cohort \(cohort); a calibrated null needs ≥ "
                        + "\(NullCalibration.minimumBaselineRatio * NullCalibration.minimumWindow)"
                entries[key] = .uncalibrated(why)
                if cohort == WindowSettings.aggregateCohort {
                    // The whole baseline is below the documented minimum: refused, never scored uncalibrated.
                    logger.error("baseline refused: too small for a calibrated null; the model is not scored for drift until a larger one is active",
                                 metadata: ["model": "\(model)", "baseline": "\(id)", "rows": "\(rows.rows)"])
                } else {
                    logger.warning("cohort not scored for drift", metadata: ["model": "\(model)", "cohort": "\(cohort)", "reason": "\(why)"])
                }
                return .uncalibrated(why)
            }
            if size < m {
                logger.warning("baseline holds too few rows of the cohort for the window; scoring its newest rows only",
                               metadata: ["model": "\(model)", "cohort": "\(cohort)", "baseline": "\(id)", "cohort_rows": "\(rows.rows)",
                                          "window": "\(m)", "scored_rows": "\(size)"])
            }
            let (summary, health) = try await offload { [configuration] in
                (try BaselineSummary(baseline: BaselineSplit(rows, windowSize: size, seed: Self.splitSeed).reference, configuration: configuration),
                 HealthSignals(rows))
            }
            let label = nullLabel(cohort: cohort)
            if let null = try await store.null(baselineID: id, windowSize: size, configuration: label) {
                let reference = DriftReference(baseline: baseline.info, profile: baseline.profile, windowSize: size, summary: summary, null: null, health: health)
                entries[key] = .ready(reference)
                return .ready(reference)
            }
            logger.info("computing null calibration", metadata: ["model": "\(model)", "cohort": "\(cohort)", "baseline": "\(id)",
                                                               "window": "\(size)", "reference_rows": "\(rows.rows - size)", "resamples": "\(resamples)"])
            Task { await calibrate(key, model: model, size: size, baseline: baseline, rows: rows, summary: summary, health: health, label: label) }
            return .pending
        } catch {
            entries[key] = .failed(.now)
            logger.error("cannot prepare baseline reference", metadata: ["model": "\(model)", "cohort": "\(cohort)", "baseline": "\(id)", "error": "\(error)"])
            return .noBaseline
        }
    }

    /// The baseline rows a window of `cohort` is compared with: every row for the model
    /// aggregate, the cohort's own rows otherwise (none when the baseline has no row cohorts).
    static func rows(of cohort: String, in baseline: StoredBaseline) -> Matrix {
        if cohort == WindowSettings.aggregateCohort { return baseline.rows }
        return baseline.rows.selectingRows(baseline.cohorts?.rows(of: cohort) ?? [])
    }

    /// The window size `m`, or the largest calibrated one below it a baseline of `rows` rows
    /// allows; nil below the documented minimum.
    static func calibratedWindow(requested m: Int, baselineRows rows: Int) -> Int? {
        guard let largest = NullCalibration.largestWindow(baselineRows: rows) else { return nil }
        return Swift.min(m, largest)
    }

    private func calibrate(_ key: Key, model: String, size: Int, baseline: StoredBaseline, rows: Matrix, summary: BaselineSummary,
                           health: HealthSignals, label: String) async {
        let started = ContinuousClock.now
        let budget = budget.budget(predicted: WorkEstimate.calibrationSeconds(baselineRows: rows.rows, windowSize: size, dimensions: rows.cols,
                                                                              configuration: configuration, resamples: resamples, threads: threads))
        do {
            let null = try await offload(on: calibrationQueue) { [resamples, threads, configuration, work] in
                // Timed from when it runs: calibrations wait their turn on the one queue.
                let item = work.begin(.calibration, model: model, cohort: key.cohort, baselineID: key.baselineID, windowSize: size, budget: budget)
                return try work.run(item) {
                    try NullCalibration.calibrate(baseline: rows, windowSize: size, configuration: configuration, resamples: resamples,
                                                  seed: Self.splitSeed, threads: threads)
                }
            }
            try await store.saveNull(null, baselineID: key.baselineID, configuration: label)
            guard entries[key] != nil else { return }  // the baseline was replaced meanwhile
            entries[key] = .ready(DriftReference(baseline: baseline.info, profile: baseline.profile, windowSize: size, summary: summary, null: null, health: health))
            logger.info("null calibration ready", metadata: ["baseline": "\(key.baselineID)", "cohort": "\(key.cohort)", "window": "\(size)",
                                                             "seconds": "\(started.duration(to: .now) / .seconds(1))"])
        } catch {
            entries[key] = .failed(.now)
            logger.error("null calibration failed", metadata: ["baseline": "\(key.baselineID)", "cohort": "\(key.cohort)", "window": "\(size)", "error": "\(error)"])
        }
    }

    private func load(_ id: Int64) async throws -> StoredBaseline {
        if let cached = baselines[id] { return cached }
        let loaded = try await store.baseline(id: id)
        baselines[id] = loaded
        return loaded
    }

    /// Identifies what a persisted null depends on besides (baseline, window size): the cohort,
    /// the estimator settings and the re-split null's B and seed.
    private func nullLabel(cohort: String) -> String { Self.nullLabel(cohort: cohort, configuration: configuration, resamples: resamples) }

    /// How a stored null names what it was calibrated with (estimator parameters, B, seed).
    static func nullLabel(cohort: String, configuration c: DriftConfiguration, resamples: Int) -> String {
        "cohort=\(cohort);estimators=\(c.estimators.sorted().map(\.rawValue).joined(separator: ","));projections=\(c.projections);bins=\(c.bins);"
            + "ridge=\(c.ridge);k=\(c.knnKs.map(String.init).joined(separator: ","));knn_max=\(c.knnMaxRows ?? 0);null=resplit;"
            + "B=\(resamples);seed=\(Self.splitSeed)"
    }
}

extension DriftSettings {
    /// Estimator parameters of the daemon (DESIGN §5 defaults; kNN KL subsampled to bound its cost).
    public var estimatorConfiguration: DriftConfiguration {
        DriftConfiguration(estimators: Set(estimators), knnMaxRows: 2000)
    }
}

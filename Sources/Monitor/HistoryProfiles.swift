import DriftEstimators
import Foundation
import Reports
import StateStore
import Synchronization
import TwinwatchCore

/// A history row kept as JSON (drift profiles, ROC curves: written every few minutes, so their
/// size matters more than their decoding speed).
public protocol JSONHistoryBody: Codable, Sendable {
    static var kind: HistoryRecord.Kind { get }
}

extension JSONHistoryBody {
    /// The row to append to the history.
    public func record(model: String, cohort: String, atMs: Int64) -> HistoryRecord? {
        guard let body = try? JSONEncoder().encode(self) else { return nil }
        return HistoryRecord(model: model, cohort: cohort, kind: Self.kind, atMs: atMs, body: [UInt8](body))
    }

    /// The body of a row of this kind; nil for another kind or a body that does not decode.
    init?(_ record: HistoryRecord) {
        guard record.kind == Self.kind, let decoded = try? JSONDecoder().decode(Self.self, from: Data(record.body)) else { return nil }
        self = decoded
    }
}

/// A window's drift profile as the history keeps it (kind `drift_profile`, JSON): what the
/// report's per-dimension W1 and histogram plots and its health reference lines show.
public struct StoredDriftProfile: JSONHistoryBody {
    public static let kind = HistoryRecord.Kind.driftProfile
    public var baselineID: Int64
    public var windowRows: Int
    public var profile: DriftProfile
    /// The health of the reference rows the window was scored against.
    public var baselineTotalVariance: Double
    public var baselineEffectiveRank: Double
    public var baselineMeanPairwiseCosine: Double

    /// The reference lines of the report's health plots.
    var baselineHealth: ReportModel.HealthReference {
        ReportModel.HealthReference(totalVariance: baselineTotalVariance, effectiveRank: baselineEffectiveRank,
                                    meanSimilarity: baselineMeanPairwiseCosine)
    }

    public init(baselineID: Int64, windowRows: Int, profile: DriftProfile, baselineTotalVariance: Double, baselineEffectiveRank: Double,
                baselineMeanPairwiseCosine: Double) {
        self.baselineID = baselineID
        self.windowRows = windowRows
        self.profile = profile
        self.baselineTotalVariance = baselineTotalVariance
        self.baselineEffectiveRank = baselineEffectiveRank
        self.baselineMeanPairwiseCosine = baselineMeanPairwiseCosine
    }

    init(baselineID: Int64, windowRows: Int, profile: DriftProfile, baselineHealth: HealthSignals) {
        self.init(baselineID: baselineID, windowRows: windowRows, profile: profile, baselineTotalVariance: baselineHealth.totalVariance,
                  baselineEffectiveRank: baselineHealth.effectiveRank, baselineMeanPairwiseCosine: baselineHealth.meanPairwiseCosine)
    }
}

/// A cohort's ROC curve as the history keeps it (kind `roc`, JSON).
public struct StoredROC: JSONHistoryBody {
    public static let kind = HistoryRecord.Kind.roc
    public var fpr: [Double]
    public var tpr: [Double]

    public init(fpr: [Double], tpr: [Double]) {
        self.fpr = fpr
        self.tpr = tpr
    }

    init?(_ snapshot: VerificationSnapshot) {
        guard let roc = snapshot.roc else { return nil }
        (fpr, tpr) = roc
    }
}

/// When a key's profile is due: every `interval`, and — for a window at the drift level — at most
/// every 5 minutes, so a report shows what the embeddings looked like while they drifted (a day of
/// sustained drift adds ~2 MB per key at d = 64).
final class ProfileSchedule: Sendable {
    static let breachSpacingMs: Int64 = 300_000
    private let intervalMs: Int64?
    private let last = Mutex<[String: Int64]>([:])

    /// `interval` zero: never due.
    init(interval: Duration) {
        intervalMs = interval > .zero ? interval.milliseconds : nil
    }

    /// Whether `key`'s profile is due at `atMs`; when it is, `atMs` becomes its last time.
    func claim(_ key: String, atMs: Int64, breach: Bool = false) -> Bool {
        guard let intervalMs else { return false }
        return last.withLock { last in
            let since = last[key].map { atMs - $0 } ?? .max
            guard since >= intervalMs || (breach && since >= Self.breachSpacingMs) else { return false }
            last[key] = atMs
            return true
        }
    }
}

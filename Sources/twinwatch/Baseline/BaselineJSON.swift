import StateStore
import DriftEstimators
import Foundation

/// The `--json` shapes of DESIGN §9: `list` → array of `Info`, `show` → `Detail` (info + summaries + null).
enum BaselineJSON {
    typealias Info = BaselineInfoJSON

    struct NullEntry: Encodable {
        let window: Int
        let resamples: Int
        let seed: UInt64
        let referenceRows: Int
        let createdAt: String
        let configuration: String
        /// Per estimator: mean, std and the sorted null scores.
        let estimators: [String: NullDistribution]

        enum CodingKeys: String, CodingKey {
            case window, resamples = "B", seed, referenceRows = "reference_rows", createdAt = "created_at", configuration, estimators
        }
    }

    /// Rows of one cohort (or `all`) and the largest window they calibrate.
    struct CohortEntry: Encodable {
        let cohort: String
        let rows: Int
        /// Nil: too few rows for any calibrated window (not scored for drift).
        let largestWindow: Int?

        enum CodingKeys: String, CodingKey { case cohort, rows, largestWindow = "largest_window" }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(cohort, forKey: .cohort)
            try c.encode(rows, forKey: .rows)
            try c.encode(largestWindow, forKey: .largestWindow)
        }

        /// The model aggregate first, then each cohort by name.
        static func all(_ b: StoredBaseline) -> [CohortEntry] {
            let counts = b.cohorts?.counts ?? [:]
            return [("all", b.info.n)] .map { CohortEntry(cohort: $0.0, rows: $0.1, largestWindow: NullCalibration.largestWindow(baselineRows: $0.1)) }
                + counts.sorted { $0.key < $1.key }.map { CohortEntry(cohort: $0.key, rows: $0.value, largestWindow: NullCalibration.largestWindow(baselineRows: $0.value)) }
        }
    }

    /// A calibration or evaluation of this baseline that ran past its budget.
    struct OverrunEntry: Encodable {
        let work: String
        let cohort: String
        let window: Int
        let startedAt: String
        let budgetSeconds: Double
        let outcome: String
        let seconds: Double?
        let endedAt: String?

        enum CodingKeys: String, CodingKey {
            case work, cohort, window, startedAt = "started_at", budgetSeconds = "budget_seconds", outcome, seconds, endedAt = "ended_at"
        }

        init(_ o: EstimatorOverrun) {
            (work, cohort, window, startedAt, budgetSeconds) = (o.kind, o.cohort, o.windowSize, o.startedAt, o.budgetSeconds)
            (outcome, seconds, endedAt) = (o.outcome.rawValue, o.seconds, o.endedAt)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(work, forKey: .work)
            try c.encode(cohort, forKey: .cohort)
            try c.encode(window, forKey: .window)
            try c.encode(startedAt, forKey: .startedAt)
            try c.encode(budgetSeconds, forKey: .budgetSeconds)
            try c.encode(outcome, forKey: .outcome)
            try c.encode(seconds, forKey: .seconds)  // null while running
            try c.encode(endedAt, forKey: .endedAt)
        }
    }

    struct Detail: Encodable {
        let info: Info
        let summaries: BaselineProfile
        /// Nil for a baseline stored without row cohorts.
        let cohorts: [CohortEntry]?
        let null: [NullEntry]
        /// Calibrations and evaluations of this baseline that ran past their budget, newest first.
        let overruns: [OverrunEntry]

        init(_ b: StoredBaseline, nulls: [StoredNull], overruns: [EstimatorOverrun] = []) {
            self.overruns = overruns.map(OverrunEntry.init)
            info = Info(b.info)
            summaries = b.profile
            cohorts = b.cohorts == nil ? nil : CohortEntry.all(b)
            null = nulls.map { n in
                NullEntry(window: n.windowSize, resamples: n.calibration.resamples, seed: n.calibration.seed, referenceRows: n.calibration.referenceRows,
                          createdAt: n.createdAt, configuration: n.configuration,
                          estimators: Dictionary(uniqueKeysWithValues: n.calibration.distributions.map { ($0.key.rawValue, $0.value) }))
            }
        }

        func encode(to encoder: any Encoder) throws {
            try info.encode(to: encoder)
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(summaries, forKey: .summaries)
            try container.encode(null, forKey: .null)
            try container.encode(cohorts, forKey: .cohorts)  // null for a baseline stored without row cohorts
            try container.encode(overruns, forKey: .overruns)
        }

        enum Keys: String, CodingKey { case summaries, null, cohorts, overruns }
    }

    static func string(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

import StateStore
import DemoSupport
import DriftEstimators
import Foundation
import GRDB
import Logging
import Testing
import TwinwatchCore
@testable import Monitor

/// A baseline reference that cannot be prepared is not given up for good: after the retry delay
/// the next lookup tries again, so a transient fault does not leave a model unscored.
@Suite struct BaselineRegistryTests {
    @Test func failedReferenceIsRetriedAfterTheDelay() async throws {
        let path = try TemporaryStore.path("registry")
        let store = try TwinwatchStore(path: path)
        let values = (0..<(400 * 4)).map { Float(sin(Double($0) * 0.37)) }
        let info = try await store.insert(NewBaseline(model: "m", createdBy: "test", source: "test",
                                                      rows: try Matrix(rows: 400, cols: 4, values: values)), status: .active)
        // Break the stored rows behind the store's back (a blob of the wrong length), keeping the original.
        let raw = try DatabaseQueue(path: path)
        let original = try await raw.read { try Data.fetchOne($0, sql: "SELECT rows FROM baseline WHERE id = ?", arguments: [info.id]) }
        try await raw.write { try $0.execute(sql: "UPDATE baseline SET rows = x'00' WHERE id = ?", arguments: [info.id]) }

        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let delay = Duration.seconds(2)
        let registry = BaselineRegistry(store: store, settings: DriftSettings(), resamples: 20, threads: 1, logger: logger, retryDelay: delay)
        _ = try await registry.refresh()
        #expect(Self.isNoBaseline(await registry.reference(model: "m", cohort: "all", windowSize: 50)))

        try await raw.write { try $0.execute(sql: "UPDATE baseline SET rows = ? WHERE id = ?", arguments: [original, info.id]) }
        // Within the delay the failure stands, even though the rows are readable again.
        #expect(Self.isNoBaseline(await registry.reference(model: "m", cohort: "all", windowSize: 50)))
        try await Task.sleep(for: delay + .milliseconds(200))
        #expect(!Self.isNoBaseline(await registry.reference(model: "m", cohort: "all", windowSize: 50)))
    }

    private static func isNoBaseline(_ lookup: BaselineRegistry.Lookup) -> Bool {
        if case .noBaseline = lookup { return true }
        return false
    }
}

/// Each cohort is compared with its own baseline rows: two stationary cohorts whose means differ
/// (the issue's case: neither drifts) are not flagged, although each differs from the model's mix;
/// a cohort with too few baseline rows is scored on a smaller calibrated window or not at all.
@Suite struct CohortReferenceTests {
    static func rows(_ n: Int, shift: Float, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<(n * 8)).map { _ in Float(rng.gaussian()) * 0.5 + shift }
    }

    @Test func cohortsAreComparedWithTheirOwnRows() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("cohorts"))
        // 4 000 rows of cohort a (mean 0), 4 000 of cohort b (mean 0.3), 150 of cohort c, interleaved.
        var values: [Float] = [], cohorts: [String] = []
        let a = Self.rows(4000, shift: 0, seed: 1), b = Self.rows(4000, shift: 0.3, seed: 2), c = Self.rows(150, shift: 0, seed: 3)
        for i in 0..<4000 {
            values += a[i * 8..<(i + 1) * 8] + b[i * 8..<(i + 1) * 8]
            cohorts += ["a", "b"]
            if i < 150 { values += c[i * 8..<(i + 1) * 8]; cohorts.append("c") }
        }
        _ = try await store.insert(NewBaseline(model: "m", createdBy: "test", source: "test", rows: try Matrix(rows: cohorts.count, cols: 8, values: values),
                                               cohorts: cohorts), status: .active)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let registry = BaselineRegistry(store: store, settings: DriftSettings(estimators: [.w1, .sliced, .frechet]), resamples: 200, threads: 2, logger: logger)
        _ = try await registry.refresh()
        let window = 500
        func reference(_ cohort: String) async throws -> DriftReference {
            for _ in 0..<600 {
                if case .ready(let r) = await registry.reference(model: "m", cohort: cohort, windowSize: window) { return r }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw CancellationError()
        }
        // Fresh, undrifted windows of each cohort: their own reference does not flag them.
        let ra = try await reference("a"), rb = try await reference("b")
        #expect(ra.summary.rows == 4000 - window && rb.summary.rows == 4000 - window)
        let wa = try Matrix(rows: window, cols: 8, values: Self.rows(window, shift: 0, seed: 11))
        let wb = try Matrix(rows: window, cols: 8, values: Self.rows(window, shift: 0.3, seed: 12))
        let pa = ra.null.assess(try ra.summary.evaluate(wa)).combinedP, pb = rb.null.assess(try rb.summary.evaluate(wb)).combinedP
        #expect(pa > 0.01 && pb > 0.01, "stationary cohorts flagged: p(a) = \(pa), p(b) = \(pb)")
        // The model aggregate's reference is the mix: cohort b's window alone is far from it.
        let all = try await reference("all")
        #expect(all.summary.rows == 8150 - window)
        #expect(all.null.assess(try all.summary.evaluate(wb)).combinedP <= 1.0 / 201)
        // Cohort b's own reference does flag a shifted b window.
        let shifted = try Matrix(rows: window, cols: 8, values: Self.rows(window, shift: 0.45, seed: 13))
        #expect(rb.null.assess(try rb.summary.evaluate(shifted)).combinedP <= 0.01)
        // Cohort c: 150 rows calibrate windows of 37 rows (150 / 4); an unknown cohort is not scored.
        #expect(try await reference("c").windowSize == 37)
        guard case .uncalibrated = await registry.reference(model: "m", cohort: "d", windowSize: window) else {
            Issue.record("a cohort without baseline rows must not be scored")
            return
        }
    }
}

@Test func configurationLimitsAreTheEstimatorsLimits() {
    #expect(CalibrationLimits.minimumBaselineRatio == NullCalibration.minimumBaselineRatio)
    #expect(CalibrationLimits.minimumWindow == NullCalibration.minimumWindow)
}

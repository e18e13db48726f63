import DemoSupport
import DriftEstimators
import Logging
import Monitor
import Reports
import StateStore
import Testing
import TwinwatchCore

/// A candidate baseline in the report: judged against the active one as the daemon judges a window.
@Suite("Report: candidate baselines")
struct ReportAssemblerTests {
    private func rows(_ n: Int, shift: Float, seed: UInt64) throws -> Matrix {
        let generator = SyntheticEmbeddings(dimension: 8, seed: 5)
        var rng = SplitMix64(seed: seed)
        return try Matrix(rows: n, cols: 8, values: (0..<n).flatMap { _ in generator.row(using: &rng).map { $0 + shift } })
    }

    @Test("with the active baseline's stored null: p-values from it (a shifted candidate p ≤ 1/(B+1), a same-distribution one not); without: scores only")
    func candidateDrift() async throws {
        let store = try TwinwatchStore(path: try TemporaryStore.path("report-candidates"))
        let activeRows = try rows(800, shift: 0, seed: 1)
        let active = try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "t", rows: activeRows), status: .active)
        let same = try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "t", rows: try rows(400, shift: 0, seed: 2)))
        let shifted = try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "t", rows: try rows(400, shift: 0.5, seed: 3)))
        let assembler = ReportAssembler(store: store, level: 0.01, targetFAR: nil)

        let uncalibrated = try await assembler.report(model: "m")
        #expect(uncalibrated.candidateDrift.count == 2 && uncalibrated.candidateDrift.allSatisfy { $0.combinedP == nil && !$0.estimators.isEmpty })
        #expect(uncalibrated.dimensionW1.map(\.cohort) == ["candidate \(shifted.id) vs active \(active.id)", "candidate \(same.id) vs active \(active.id)"]
                || uncalibrated.dimensionW1.count == 2)

        // The null the daemon would have stored for the model aggregate at window 200 (B = 99).
        let settings = DriftSettings(estimators: [.w1, .sliced])
        let null = try NullCalibration.calibrate(baseline: activeRows, windowSize: 200, configuration: settings.estimatorConfiguration, resamples: 99)
        try await store.saveNull(null, baselineID: active.id, configuration: ReportAssembler.nullLabel(configuration: settings.estimatorConfiguration, resamples: 99))
        let calibrated = try await assembler.report(model: "m")
        let byID = Dictionary(uniqueKeysWithValues: calibrated.candidateDrift.map { ($0.candidateId, $0) })
        let p = try #require(byID[shifted.id]?.combinedP), q = try #require(byID[same.id]?.combinedP)
        #expect(p <= 1.0 / 100 + 1e-12 && q > 0.05, "shifted \(p), same \(q)")
        #expect(byID[shifted.id]?.estimators.map(\.name).sorted() == ["sliced", "w1"])

        // --baseline: that candidate and the active one only.
        let one = try await assembler.report(model: "m", baselineID: shifted.id)
        #expect(one.baselines.map(\.id).sorted() == [active.id, shifted.id] && one.candidateDrift.map(\.candidateId) == [shifted.id])
        #expect(HTMLReport.render(one).contains("candidate \(shifted.id) vs active \(active.id)"))
    }
}

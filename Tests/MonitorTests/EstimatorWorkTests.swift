import DriftEstimators
import Foundation
import Synchronization
import Testing
import TwinwatchCore
@testable import Monitor

/// Estimator work past its budget is reported once, and again when it ends; work inside its
/// budget is not reported; a budgeted offload does not wait for work past its budget.
@Suite struct EstimatorWorkTests {
    final class Reports: Sendable {
        let list = Mutex<[EstimatorWork.Report]>([])
        var overruns: [EstimatorWork.Item] { list.withLock { $0.compactMap { if case .overrun(let i) = $0 { i } else { nil } } } }
        var ended: [(EstimatorWork.Item, Double, Bool)] {
            list.withLock { $0.compactMap { if case .ended(let i, let s, let f) = $0 { (i, s, f) } else { nil } } }
        }
    }

    @Test func overrunReportedOnceThenEnded() async throws {
        let reports = Reports()
        let work = EstimatorWork(onReport: { r in reports.list.withLock { $0.append(r) } })
        let slow = work.begin(.calibration, model: "m", cohort: "c", baselineID: 3, windowSize: 100, budget: .milliseconds(50))
        let quick = work.begin(.evaluation, model: "m", cohort: "d", baselineID: 3, windowSize: 100, budget: .seconds(60))
        #expect(work.isEvaluating(model: "m", cohort: "d") && !work.isEvaluating(model: "m", cohort: "c"))
        work.end(quick)
        #expect(!work.isEvaluating(model: "m", cohort: "d"))
        try await Task.sleep(for: .milliseconds(400))
        #expect(reports.overruns.map(\.id) == [slow.id], "\(reports.list.withLock { $0 })")
        #expect(work.overrunning.map(\.key) == ["calibration m/c (baseline 3, window 100)"])
        work.end(slow, failed: true)
        #expect(work.overrunning.isEmpty)
        let ended = reports.ended
        #expect(ended.count == 1 && ended[0].0.id == slow.id && ended[0].1 >= 0.05 && ended[0].2)
        #expect(reports.overruns.count == 1)
    }

    @Test func workEndingInsideItsBudgetIsNotReported() async throws {
        let reports = Reports()
        let work = EstimatorWork(onReport: { r in reports.list.withLock { $0.append(r) } })
        for i in 0..<50 { work.end(work.begin(.evaluation, model: "m", cohort: "c\(i)", baselineID: 1, windowSize: 10, budget: .milliseconds(20))) }
        try await Task.sleep(for: .milliseconds(200))
        #expect(reports.list.withLock { $0.isEmpty } && work.overrunning.isEmpty)
    }

    @Test func budgetedOffloadReturnsWithoutWaitingForSlowWork() async throws {
        let finished = Atomic<Bool>(false)
        let started = ContinuousClock.now
        let result: Int? = try await offload(within: .milliseconds(100)) {
            Thread.sleep(forTimeInterval: 1.5)
            finished.store(true, ordering: .sequentiallyConsistent)
            return 1
        }
        let waited = ContinuousClock.now - started
        #expect(result == nil && waited < .seconds(1.2), "returned \(String(describing: result)) after \(waited)")
        let finishedEarly = finished.load(ordering: .sequentiallyConsistent)
        #expect(!finishedEarly)
        // The work itself runs to its end on its own thread.
        try await Task.sleep(for: .seconds(2))
        let finishedLater = finished.load(ordering: .sequentiallyConsistent)
        #expect(finishedLater)
        #expect(try await offload(within: .seconds(30)) { 7 } == 7)
        await #expect(throws: EstimatorError.self) {
            _ = try await offload(within: .seconds(30)) { () throws -> Int in throw EstimatorError(.numerical, "boom") }
        }
    }

    /// The budget grows with the work: the default budget of the daemon's largest evaluation
    /// (d = 256, m = 10 000 against 40 000 rows) is longer than that of a small one, and a
    /// calibration's with its resamples.
    @Test func budgetsGrowWithSize() {
        let budget = EvaluationSettings().budget, c = DriftConfiguration(knnMaxRows: 2000)
        let small = budget.budget(predicted: WorkEstimate.evaluationSeconds(referenceRows: 2_000, windowRows: 500, dimensions: 16, configuration: c))
        let large = budget.budget(predicted: WorkEstimate.evaluationSeconds(referenceRows: 40_000, windowRows: 10_000, dimensions: 256, configuration: c))
        #expect(small >= .seconds(30) && small < .seconds(31) && large > small + .seconds(5), "\(small) \(large)")
        let b200 = WorkEstimate.calibrationSeconds(baselineRows: 20_000, windowSize: 1_000, dimensions: 128, configuration: c, resamples: 200)
        let b400 = WorkEstimate.calibrationSeconds(baselineRows: 20_000, windowSize: 1_000, dimensions: 128, configuration: c, resamples: 400)
        #expect(b400 > 1.9 * b200 && b400 < 2.1 * b200)
        #expect(WorkEstimate.calibrationSeconds(baselineRows: 20_000, windowSize: 1_000, dimensions: 128, configuration: c, resamples: 400, threads: 2) < b400)
    }
}

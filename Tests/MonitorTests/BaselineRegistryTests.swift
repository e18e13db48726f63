import BaselineStore
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

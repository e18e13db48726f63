import Alerting
import Dispatch
import Synchronization
import TwinwatchCore

/// The window evaluations and null calibrations running now, each with its budget (issue 25):
/// one that runs past its budget is reported once — logged with its key, counted, listed by
/// `/readyz` and persisted for `baseline show` by the owner's `onOverrun` — and again when it
/// finally ends. CPU-bound estimator work cannot be cancelled; it can be seen, and not waited for.
///
/// Per instance: after kill -9 nothing of it survives but the persisted overrun rows, which the
/// next start marks abandoned (`TwinwatchStore.abandonRunningOverruns`).
public final class EstimatorWork: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case calibration, evaluation

        /// How logs name it.
        public var activity: String { self == .calibration ? "null calibration" : "window evaluation" }
    }

    /// One computation: what it is for, when it started and how long it may take.
    public struct Item: Sendable, Equatable {
        public let id: UInt64
        public let kind: Kind
        public let model: String
        public let cohort: String
        public let baselineID: Int64
        public let windowSize: Int
        public let started: ContinuousClock.Instant
        public let startedMs: Int64
        public let budget: Duration

        /// "calibration m/c (baseline 3, window 1000)": the key logs and `/readyz` name.
        public var key: String { "\(kind.rawValue) \(model)/\(cohort) (baseline \(baselineID), window \(windowSize))" }
    }

    /// What happened to an item, for the owner to log, count and persist.
    public enum Report: Sendable {
        /// Still running at its budget.
        case overrun(Item)
        /// An item reported as overrunning has ended after `seconds` (`failed`: it threw).
        case ended(Item, seconds: Double, failed: Bool)
    }

    private struct Running {
        var items: [UInt64: Item] = [:]
        var overrunning: Set<UInt64> = []
        var nextID: UInt64 = 1
    }

    private let running = Mutex(Running())
    private let onReport: @Sendable (Report) -> Void
    private let clock: @Sendable () -> Int64

    /// `onReport` runs on a Dispatch thread (overruns) or the worker's thread (ends): it must not block.
    public init(clock: @escaping @Sendable () -> Int64 = WallClock.nowMs, onReport: @escaping @Sendable (Report) -> Void = { _ in }) {
        self.clock = clock
        self.onReport = onReport
    }

    /// Records the start of a computation and arms its budget; call `end` with the returned item
    /// when it returns (on whatever thread ran it).
    public func begin(_ kind: Kind, model: String, cohort: String, baselineID: Int64, windowSize: Int, budget: Duration) -> Item {
        let item = running.withLock { r in
            let item = Item(id: r.nextID, kind: kind, model: model, cohort: cohort, baselineID: baselineID, windowSize: windowSize,
                            started: .now, startedMs: clock(), budget: budget)
            r.nextID += 1
            r.items[item.id] = item
            return item
        }
        DispatchQueue.global().asyncAfter(deadline: .after(budget)) { [self] in
            let overran = running.withLock { r in r.items[item.id] != nil && r.overrunning.insert(item.id).inserted }
            if overran { onReport(.overrun(item)) }
        }
        return item
    }

    /// Records that `item` has returned.
    public func end(_ item: Item, failed: Bool = false) {
        let wasOverrunning = running.withLock { r in
            r.items[item.id] = nil
            return r.overrunning.remove(item.id) != nil
        }
        if wasOverrunning { onReport(.ended(item, seconds: (ContinuousClock.now - item.started) / .seconds(1), failed: failed)) }
    }

    /// Runs `body` as `item` (from `begin`), which ends when it returns or throws (failed).
    public func run<T>(_ item: Item, _ body: () throws -> T) rethrows -> T {
        do {
            let result = try body()
            end(item)
            return result
        } catch {
            end(item, failed: true)
            throw error
        }
    }

    /// Items past their budget and still running, oldest first.
    public var overrunning: [Item] {
        running.withLock { r in r.overrunning.compactMap { r.items[$0] } }.sorted { $0.started < $1.started }
    }

    /// Whether an evaluation of this window is still running (one abandoned past its budget):
    /// another is not started beside it.
    public func isEvaluating(model: String, cohort: String) -> Bool {
        running.withLock { r in r.items.values.contains { $0.kind == .evaluation && $0.model == model && $0.cohort == cohort } }
    }
}

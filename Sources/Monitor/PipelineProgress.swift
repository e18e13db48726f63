import Synchronization

/// Whether the pipeline makes progress, for the systemd watchdog: each stage says when it starts
/// and ends a unit of work (a batch of events, an evaluation round). A stage waiting for work is
/// healthy however long it waits (a quiet topic is not a stall); one busy with the same unit for
/// longer than the watchdog timeout is stalled, and the watchdog pings stop so systemd restarts
/// the daemon.
public final class PipelineProgress: Sendable {
    public enum Stage: String, Sendable, CaseIterable {
        case ingest, evaluator
    }

    private let busySince = Mutex<[Stage: ContinuousClock.Instant]>([:])

    public init() {}

    public func begin(_ stage: Stage) { busySince.withLock { $0[stage] = .now } }

    public func end(_ stage: Stage) { _ = busySince.withLock { $0.removeValue(forKey: stage) } }

    /// Stages busy with one unit of work for longer than `limit`, and for how long.
    public func stalled(longerThan limit: Duration, now: ContinuousClock.Instant = .now) -> [(stage: Stage, busyFor: Duration)] {
        busySince.withLock { busy in
            busy.compactMap { stage, since in now - since > limit ? (stage, now - since) : nil }.sorted { $0.stage.rawValue < $1.stage.rawValue }
        }
    }
}

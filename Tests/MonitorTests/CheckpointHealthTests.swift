import Monitor
import Testing

/// What readiness learns of checkpoints through the metrics the checkpoint service sets.
@Suite("Checkpoint health for readiness")
struct CheckpointHealthTests {
    @Test("failing past 3 × interval (at least 30 s) is failing; a success clears it; idle is not failing")
    func bound() {
        #expect(CheckpointHealth.bound(interval: .seconds(1)) == .seconds(30))
        #expect(CheckpointHealth.bound(interval: .seconds(30)) == .seconds(90))
        let start = ContinuousClock.now
        var health = CheckpointHealth()
        #expect(!health.isFailing(at: start + .seconds(3600), interval: .seconds(10)), "an idle daemon (no checkpoint to write) read as failing")
        health.failed(at: start)
        health.failed(at: start + .seconds(10))
        #expect(!health.isFailing(at: start + .seconds(30), interval: .seconds(10)))
        #expect(health.isFailing(at: start + .seconds(31), interval: .seconds(10)))
        #expect(health.failures == 2 && health.failingFor(at: start + .seconds(31)) == .seconds(31))
        health.succeeded(at: start + .seconds(40))
        #expect(!health.isFailing(at: start + .seconds(400), interval: .seconds(10)) && health.failures == 0)
    }

    @Test("the checkpoint service's metrics calls feed it: failure counter, then last-checkpoint gauge")
    func throughMetrics() {
        let metrics = DaemonMetrics()
        #expect(metrics.checkpointHealth.failingSince == nil)
        metrics.checkpointFailures.increment()
        metrics.checkpointFailures.increment()
        let failing = metrics.checkpointHealth
        #expect(failing.failures == 2 && failing.failingSince != nil)
        #expect(metrics.exposition().contains("twinwatch_checkpoint_failures_total 2"), "the counter is still exported")
        metrics.lastCheckpoint.set(1_700_000_000)
        #expect(metrics.checkpointHealth.failingSince == nil && metrics.checkpointHealth.lastSuccess != nil)
        #expect(metrics.exposition().contains("twinwatch_last_checkpoint_timestamp_seconds 1700000000"), "\(metrics.exposition())")
    }
}

import DriftEstimators
import EventCodec
import KafkaIO
import Monitor
import ServiceLifecycle
import TwinwatchCore

/// Produces the scenario's events at the configured rate, waits until the daemon has taken
/// them all in and scored every window on its final rows, then returns (which shuts the group down).
struct DemoDriver: Service {
    let scenario: DemoScenario
    let topic: String
    let producer: KafkaProducer
    let state: MonitorState
    let progress: DemoProgress
    let output: @Sendable (String) -> Void
    /// Open alerts plus undelivered notifications; the run ends when it reaches 0.
    let settled: @Sendable () async -> Int

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await produceAndWait() }
        } catch is CancellationError {
            output("interrupted: shutting down")
        }
    }

    private func produceAndWait() async throws {
        let embeddings = SyntheticEmbeddings(dimension: scenario.dimension, seed: scenario.seed)
        var rng = SplitMix64(seed: scenario.seed &+ 1)
        let tick = Duration.milliseconds(50)
        let perTick = max(1, scenario.eventsPerSecond / 20)
        var next = ContinuousClock.now
        var maxAhead = Int.max
        for index in 0..<scenario.totalRows {
            if index == scenario.shiftIndex, scenario.meanShift != 0 {
                output("\(DemoRunner.clock())  --- injecting a mean shift of \(scenario.meanShift) σ on every dimension from event \(index) ---")
            }
            if index == scenario.recoveryIndex, scenario.meanShift != 0 {
                output("\(DemoRunner.clock())  --- shift removed: events from the baseline's distribution again from event \(index) ---")
            }
            let shift = scenario.shift(at: index)
            let cohort = scenario.cohorts[index % scenario.cohorts.count]
            let (score, label) = scenario.labelledScore(index: index, cohort: cohort, rng: &rng)
            let event = InferenceEvent(
                eventID: "e-\(index)", timestampMs: 1_795_600_800_000 + Int64(index), model: scenario.model, cohort: cohort,
                score: score, embedding: embeddings.row(using: &rng, meanShift: shift), label: label)
            let value = EventEncoder.json(event)
            try producer.produce(topic: topic, key: EventEncoder.kafkaKey(for: event), value: value)
            progress.withLock { $0.produced = index + 1 }
            if index == 0 {
                // The mock cluster keeps about 5 MiB per partition and silently drops older messages:
                // never run more than 2 MiB (as if every event went to one partition) ahead of the daemon.
                maxAhead = max(100, Self.aheadBytes / max(1, value.count))
                // Joining the consumer group takes a few seconds; stream live only once the daemon consumes.
                try await producer.flush()
                try await waitFor("the daemon's first event", stallAfter: .seconds(120)) { await state.accepted > 0 ? nil : 0 }
                next = ContinuousClock.now
            }
            if index + 1 == scenario.calibratedIndex {
                // The steady phase is only worth watching once every window is scored: wait for the
                // captured baseline's null calibrations (B re-splits per cohort, in the background).
                try await producer.flush()
                output("\(DemoRunner.clock())  waiting for the baseline's null calibrations (one per cohort and the aggregate)")
                try await waitFor("the null calibrations", stallAfter: Self.stall) {
                    let awaiting = await state.windowsAwaitingEvaluation()
                    return await state.modelsWithBaseline == 0 || awaiting > 0 ? awaiting : nil
                }
                output("\(DemoRunner.clock())  every window scored; streaming the steady phase")
                next = ContinuousClock.now
            }
            if (index + 1) % perTick == 0 {
                next += tick
                try await Task.sleep(until: next)
                let produced = index + 1
                if await produced - state.accepted > maxAhead {
                    try await waitFor("the daemon to catch up", stallAfter: Self.stall) {
                        let accepted = await state.accepted
                        return produced - accepted > maxAhead ? accepted : nil
                    }
                    next = ContinuousClock.now
                }
            }
        }
        try await producer.flush()
        output("produced \(scenario.totalRows) events; waiting for the daemon to catch up")
        try await waitFor("every event in the daemon's state", stallAfter: Self.stall) {
            let accepted = await state.accepted
            return accepted < scenario.totalRows ? accepted : nil
        }
        try await waitFor("every window's final evaluation", stallAfter: Self.stall) {
            let waiting = await state.windowsAwaitingEvaluation()
            return waiting > 0 ? -waiting : nil
        }
        output("\(DemoRunner.clock())  waiting for open alerts to resolve and the outbox to drain")
        try await waitFor("alerts resolved and the outbox drained", stallAfter: Self.stall) {
            let open = await settled()
            return open > 0 ? open : nil
        }
    }

    /// Bytes of events the producer may run ahead of the daemon.
    static let aheadBytes = 2 * 1024 * 1024
    /// How long a wait may make no progress before the demo gives up (CI machines are slow, not stuck).
    static let stall = Duration.seconds(120)

    /// Polls `progress` every 50 ms until it returns nil (done); throws once its value has not
    /// changed for `stallAfter`, instead of waiting forever on a daemon that stopped.
    private func waitFor(_ what: String, stallAfter: Duration, _ progress: () async -> Int?) async throws {
        var last = await progress(), since = ContinuousClock.now
        while let value = last {
            try await Task.sleep(for: .milliseconds(50))
            let now = await progress()
            if now != value {
                since = ContinuousClock.now
            } else if ContinuousClock.now - since > stallAfter {
                throw DemoStalled(message: "waited \(stallAfter) for \(what) without progress"
                                  + " (\(await state.accepted) of \(scenario.totalRows) events in state)")
            }
            last = now
        }
    }
}

/// The daemon stopped making progress during a demo run (a bug, or a broker that lost events).
public struct DemoStalled: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "demo stalled: \(message)" }
}

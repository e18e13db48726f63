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
        for index in 0..<scenario.totalRows {
            if index == scenario.shiftIndex, scenario.meanShift != 0 {
                output("\(DemoRunner.clock())  --- injecting a mean shift of \(scenario.meanShift) σ on every dimension from event \(index) ---")
            }
            let shift = index >= scenario.shiftIndex ? scenario.meanShift : 0
            let cohort = scenario.cohorts[index % scenario.cohorts.count]
            let event = InferenceEvent(
                eventID: "e-\(index)", timestampMs: 1_795_600_800_000 + Int64(index), model: scenario.model, cohort: cohort,
                score: 0.5 + 0.4 * Double(rng.next() % 1000) / 1000, embedding: embeddings.row(using: &rng, meanShift: shift))
            try producer.produce(topic: topic, key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event))
            progress.withLock { $0.produced = index + 1 }
            if index == 0 {
                // Joining the consumer group takes a few seconds; stream live only once the daemon consumes.
                try await producer.flush()
                while await state.accepted == 0 { try await Task.sleep(for: .milliseconds(20)) }
                next = ContinuousClock.now
            }
            if (index + 1) % perTick == 0 {
                next += tick
                try await Task.sleep(until: next)
            }
        }
        try await producer.flush()
        output("produced \(scenario.totalRows) events; waiting for the daemon to catch up")
        while await state.accepted < scenario.totalRows {
            try await Task.sleep(for: .milliseconds(50))
        }
        while await state.windowsAwaitingEvaluation() > 0 {
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

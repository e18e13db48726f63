import Alerting
import Foundation
import KafkaIO
import Logging
import Monitor
import ServiceLifecycle
import StateStore
import Synchronization
import Testing
import TwinwatchCore

/// The daemon under systemd's notification protocol, on a socket the test reads as systemd would.
@Suite("systemd notifications", .serialized)
struct SystemdNotifyTests {
    @Test("twinwatch run: READY after assignment, STATUS with events/s, WATCHDOG pings; SIGHUP → RELOADING + READY; SIGTERM → STOPPING")
    func lifecycle() async throws {
        let (kafka, brokers, dir) = try await startDevKafka("notify", partitions: 2, brokers: 1)
        defer { _ = kafka.stop() }
        let socket = try NotifySocket(directory: dir)
        let configPath = dir.appendingPathComponent("twinwatch.yaml")
        try """
        kafka:
          brokers: [\(brokers)]
          group_id: notify-test
          events_topic: twinwatch.events
          librdkafka:
            session.timeout.ms: "6000"
        models:
          - name: m
            dimension: 4
        store:
          path: \(dir.appendingPathComponent("state.sqlite").path)
        http:
          enabled: false
        """.write(to: configPath, atomically: true, encoding: .utf8)
        let daemon = try TwinwatchProcess(["run", "--config", configPath.path], in: dir, name: "run",
                                          environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "2000000"])
        defer { _ = daemon.stop() }

        #expect(try await waitUntil { !socket.indexes(of: "READY=1").isEmpty }, "no READY:\n\(daemon.log)")
        #expect(try await waitUntil(.seconds(30)) { socket.indexes(of: "events/s").count >= 1 && socket.indexes(of: "WATCHDOG=1").count >= 3 },
                "\(socket.messages.map(\.message))")
        #expect(daemon.log.contains("partitions assigned"))

        let before = socket.messages.count
        daemon.signal(SIGHUP)
        #expect(try await waitUntil(.seconds(30)) {
            let reloading = socket.indexes(of: "RELOADING=1").filter { $0 >= before }
            return reloading.first.map { r in socket.indexes(of: "READY=1").contains { $0 > r } } ?? false
        }, "\(socket.messages.map(\.message))")
        let reloading = try #require(socket.messages.first { $0.message.contains("RELOADING=1") }?.message)
        #expect(reloading.contains("MONOTONIC_USEC="))
        #expect(daemon.log.contains("configuration reloaded"), "\(daemon.log)")

        #expect(daemon.stop() == 0, "\(daemon.log)")
        #expect(socket.indexes(of: "STOPPING=1").count == 1, "\(socket.messages.map(\.message))")
    }

    @Test("an evaluator stalled longer than the watchdog timeout stops the WATCHDOG pings; they resume when it moves again")
    func stalledEvaluatorStopsWatchdog() async throws {
        var logger = Logger(label: "notify")
        logger.logLevel = .critical
        let dir = URL(fileURLWithPath: try TemporaryStore.path("watchdog")).deletingLastPathComponent()
        let socket = try NotifySocket(directory: dir)
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("twinwatch.events", partitions: 1)
        var config = TwinwatchConfig(kafka: KafkaSettings(brokers: [cluster.bootstrapServers]))
        config.store = StoreSettings(path: dir.appendingPathComponent("state.sqlite").path)
        config.evaluation.interval = .milliseconds(200)
        config.http.enabled = false
        config.kafka.librdkafka = ["log_level": "0"]
        // Every evaluation round hands its verification round over; stalling that callback stalls the round.
        // The stall's own start and end are recorded: on a loaded machine the next round may begin late.
        let stall = Atomic<Bool>(false)
        let stalledSpan = Mutex<(start: ContinuousClock.Instant, end: ContinuousClock.Instant)?>(nil)
        let daemon = try await Daemon(config: config, logger: logger, environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000"],
                                      onVerification: { _ in
                                          guard stall.exchange(false, ordering: .relaxed) else { return }
                                          let start = ContinuousClock.now
                                          Thread.sleep(forTimeInterval: 4)
                                          stalledSpan.withLock { $0 = (start, ContinuousClock.now) }
                                      })
        let group = ServiceGroup(configuration: .init(services: daemon.services, logger: logger))
        let task = Task { try await group.run() }

        func pings() -> [ContinuousClock.Instant] { socket.messages.filter { $0.message == "WATCHDOG=1" }.map(\.at) }
        #expect(try await waitUntil(.seconds(60)) { pings().count >= 4 }, "\(socket.messages.map(\.message))")
        stall.store(true, ordering: .relaxed)
        #expect(try await waitUntil(.seconds(60)) { stalledSpan.withLock { $0 } != nil })
        let span = try #require(stalledSpan.withLock { $0 })
        #expect(try await waitUntil(.seconds(30)) { pings().contains { $0 > span.end } }, "pings did not resume")
        // Busy for longer than the 1 s timeout from start + 1 s; the pinger looks every 0.5 s.
        let during = pings().filter { $0 > span.start + .milliseconds(1600) && $0 < span.end }
        #expect(during.isEmpty, "pings while the evaluator was stuck: \(during.count)")

        await group.triggerGracefulShutdown()
        try await task.value
        #expect(socket.indexes(of: "STOPPING=1").count == 1)
    }
}

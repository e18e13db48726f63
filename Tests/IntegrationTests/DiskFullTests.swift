import Alerting
import DemoSupport
import Foundation
import StateStore
import Testing
import TwinwatchCore

/// The store on a tmpfs that really fills up (issue 23, "disk trouble"): what the outbox sender
/// and the readiness check do when SQLite cannot write, and that both recover without a restart
/// when space returns. Needs root to mount; skipped otherwise.
@Suite("Disk full: no hot loop, readiness tells, recovery without restart", .serialized,
       .enabled(if: SmallFileSystem.available, "needs root to mount a tmpfs"))
struct DiskFullTests {
    @Test("a notification sent while its delivery cannot be recorded is POSTed once, logged once, recorded when space returns")
    func outboxDoesNotSpam() async throws {
        let disk = try SmallFileSystem(sizeMiB: 4, label: "outbox")
        defer { disk.unmount() }
        let store = try TwinwatchStore(path: disk.directory.appendingPathComponent("twinwatch.sqlite").path)
        let logs = CountingLogs()
        let sink = WebhookSink()
        try await OutboxDeliveryTests.withSink(sink) { url in
            let id = try await OutboxDeliveryTests.enqueue(store, receiver: "hook")
            try disk.fill()
            let sender = OutboxSender(receiver: Receivers.make(ReceiverSettings(name: "hook", kind: .webhook, url: url, timeout: .seconds(60))),
                                      store: store, delivery: OutboxDeliveryTests.delivery(), logger: logs.logger(label: "outbox"))
            let task = Task { await sender.run() }
            defer { task.cancel() }
            #expect(try await waitUntil(.seconds(60)) { await sink.requests(on: "/alerts").count >= 1 }, "the notification was never sent")
            // The window in which re-sends are counted, measured rather than assumed.
            let window = ContinuousClock.now
            try await Task.sleep(for: .seconds(4))
            let elapsed = ContinuousClock.now - window
            let posts = await sink.requests(on: "/alerts").count
            #expect(posts == 1, "the receiver got \(posts) POSTs of one notification within \(elapsed) of a full disk")
            let errors = logs.count(.error)
            #expect(errors == 1, "\(errors) error lines within \(elapsed) of a full disk; one per state change expected: \(logs.summary().replacingOccurrences(of: "\n", with: " | "))")
            #expect(try await OutboxDeliveryTests.message(store, id).status == .pending)

            try disk.free()
            #expect(try await waitUntil(.seconds(60)) { try await OutboxDeliveryTests.message(store, id).status == .delivered },
                    "the delivery was not recorded after space returned")
            #expect(await sink.requests(on: "/alerts").count == 1, "sent again after space returned")
            #expect(logs.count(.info, containing: "recorded again") == 1, "no recovery line")
        }
    }

    @Test("the store's write check fails on a full disk and passes again once space returns")
    func storeCheckWrites() async throws {
        let disk = try SmallFileSystem(sizeMiB: 4, label: "ready")
        defer { disk.unmount() }
        let store = try TwinwatchStore(path: disk.directory.appendingPathComponent("twinwatch.sqlite").path)
        try await store.checkWritable()
        try disk.fill()
        await #expect(throws: StoreError.self, "a full disk read as writable") { try await store.checkWritable() }
        try disk.free()
        try await store.checkWritable()
    }
}

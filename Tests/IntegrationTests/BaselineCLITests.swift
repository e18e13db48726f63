import StateStore
import DemoSupport
import DriftEstimators
import EventCodec
import Foundation
import KafkaIO
import Testing
import TwinwatchCore

/// The `twinwatch baseline` commands as a model owner runs them: real process, real store, real broker.
@Suite("Baseline lifecycle CLI", .serialized)
struct BaselineCLITests {
    private func run(_ arguments: [String], in dir: URL) async throws -> (status: Int32, output: String) {
        let process = try TwinwatchProcess(arguments, in: dir, name: "cli-\(UUID().uuidString.prefix(6))")
        process.process.waitUntilExit()
        return (process.process.terminationStatus, process.log)
    }

    private func events(_ n: Int, from start: Int = 0) -> [InferenceEvent] {
        let embeddings = SyntheticEmbeddings(dimension: 8, seed: 5)
        var rng = SplitMix64(seed: 13)
        return (0..<(start + n)).map { i in
            InferenceEvent(eventID: "e\(i)", timestampMs: 1_795_600_800_000 + Int64(i), model: "m", modelVersion: "v3", cohort: "c", score: 0.75,
                           embedding: embeddings.row(using: &rng))
        }.suffix(n)
    }

    @Test("import, list, show, promote, retire against one database; errors are one line")
    func importAndLifecycle() async throws {
        let db = try TemporaryStore.path("cli")
        let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DriftEstimatorsTests/Fixtures/golden/small/baseline.npy")
        let imported = try await run(["baseline", "import", golden.path, "--model", "face", "--model-version", "v7", "--db", db], in: dir)
        #expect(imported.status == 0, "\(imported.output)")
        #expect(imported.output.contains("baseline 1: face v1, 2000 × 32 rows"))

        let list = try await run(["baseline", "list", "--json", "--db", db], in: dir)
        let entries = try JSONSerialization.jsonObject(with: Data(list.output.utf8)) as? [[String: Any]]
        #expect(entries?.first?["model_version"] as? String == "v7")
        #expect(entries?.first?["status"] as? String == "candidate")
        let keys = Set(entries?.first?.keys.map { $0 } ?? [])
        #expect(keys.isSuperset(of: ["id", "model", "model_version", "version", "status", "n", "d", "created_at", "source"]))

        // The stored rows are the file's rows, bit for bit.
        let stored = try await TwinwatchStore(path: db).baseline(id: 1)
        let original = try EmbeddingReader.read(contentsOf: golden)
        #expect(stored.rows.values.map(\.bitPattern) == original.values.map(\.bitPattern))

        #expect(try await run(["baseline", "promote", "1", "--db", db], in: dir).status == 0)
        let show = try await run(["baseline", "show", "1", "--json", "--db", db], in: dir)
        let detail = try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any]
        #expect(detail?["status"] as? String == "active")
        #expect((detail?["summaries"] as? [String: Any])?["mean"] as? [Double] != nil)
        #expect(detail?["null"] as? [Any] != nil)

        #expect(try await run(["baseline", "retire", "1", "--db", db], in: dir).status == 0)
        let revive = try await run(["baseline", "promote", "1", "--db", db], in: dir)
        #expect(revive.status == 1)
        #expect(revive.output == "twinwatch: baseline promote 1: baseline 1 is retired; import or capture a new one instead of reviving it\n")
        let missing = try await run(["baseline", "import", dir.appendingPathComponent("nope.npy").path, "--model", "face", "--db", db], in: dir)
        #expect(missing.status != 0 && missing.output.hasPrefix("twinwatch: "))
        // A matrix file names no cohorts: show says so (null), unless --cohort labels every row.
        #expect((detail?["cohorts"] as? NSNull) != nil)
    }

    @Test("event files keep each row's cohort; show lists rows and the largest calibrated window per cohort; too small is refused")
    func cohortsAndMinimum() async throws {
        let db = try TemporaryStore.path("cli-cohorts")
        let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
        let small = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("DriftEstimatorsTests/Fixtures/golden/small")
        let imported = try await run(["baseline", "import", small.appendingPathComponent("baseline.jsonl").path, "--model", "siamese-v1", "--db", db], in: dir)
        #expect(imported.status == 0, "\(imported.output)")
        let show = try await run(["baseline", "show", "1", "--json", "--db", db], in: dir)
        let detail = try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any]
        let cohorts = try #require(detail?["cohorts"] as? [[String: Any]])
        // golden/README's five cohorts: 602 + 513 + 401 + 300 + 184 rows of 2 000.
        #expect(cohorts.map { $0["cohort"] as? String } == ["all", "c0", "c1", "c2", "c3", "c4"])
        #expect(cohorts.map { $0["rows"] as? Int } == [2000, 602, 513, 401, 300, 184])
        #expect(cohorts.map { $0["largest_window"] as? Int } == [500, 150, 128, 100, 75, 46])
        let text = try await run(["baseline", "show", "1", "--db", db], in: dir)
        #expect(text.output.contains("c4      184   46"), "\(text.output)")

        // Against a configuration whose window needs 4 × 1000 rows, 2 000 rows are refused.
        let config = dir.appendingPathComponent("tw.yaml")
        try "kafka: {brokers: [k:9092]}\nwindow: {size: 1000}\n".write(to: config, atomically: true, encoding: .utf8)
        let refused = try await run(["baseline", "import", small.appendingPathComponent("baseline.npy").path, "--model", "x", "--cohort", "eu",
                                     "--config", config.path, "--db", db], in: dir)
        #expect(refused.status == 2)
        #expect(refused.output.contains("refused: baseline of 2000 rows is below the minimum of 4 × window = 4000 rows"), "\(refused.output)")
        let labelled = try await run(["baseline", "import", small.appendingPathComponent("baseline.npy").path, "--model", "x", "--cohort", "eu", "--db", db], in: dir)
        #expect(labelled.status == 0, "\(labelled.output)")
        #expect(try await TwinwatchStore(path: db).baseline(id: 2).cohorts?.counts == ["eu": 2000])
    }

    @Test("capture takes rows of one model from the topic, keeps provenance, and refuses NaN")
    func capture() async throws {
        let cluster = try MockKafkaCluster(brokers: 1)
        try cluster.createTopic("events", partitions: 2)
        let producer = try KafkaProducer(brokers: [cluster.bootstrapServers])
        for event in events(600) {
            try producer.produce(topic: "events", key: EventEncoder.kafkaKey(for: event), value: EventEncoder.json(event))
        }
        let other = InferenceEvent(eventID: "x", timestampMs: 0, model: "other", embedding: [1, 2, 3])
        try producer.produce(topic: "events", key: nil, value: EventEncoder.json(other))
        try await producer.flush()
        let db = try TemporaryStore.path("capture")
        let dir = URL(fileURLWithPath: db).deletingLastPathComponent()
        let captured = try await run(["baseline", "capture", "--model", "m", "--rows", "500", "--from-beginning", "--brokers", cluster.bootstrapServers,
                                      "--topic", "events", "--db", db, "--log-level", "error"], in: dir)
        #expect(captured.status == 0, "\(captured.output)")
        let info = try #require(try await TwinwatchStore(path: db).baselines(model: "m").first)
        #expect(info.n == 500 && info.d == 8 && info.modelVersion == "v3" && info.source == "capture:events" && info.status == .candidate)
        #expect(info.timeFrom != nil && info.timeTo != nil)

        // One event with a NaN (binary, so it can carry one) makes the capture refuse.
        var bad = events(1, from: 600)[0]
        bad.eventID = "600"  // EVT1 carries numeric event ids
        bad.embedding![3] = .nan
        try producer.produce(topic: "events", key: EventEncoder.kafkaKey(for: bad), value: try EventEncoder.binary(bad),
                             headers: [("content-type", Array(EventDecoder.binaryContentType.utf8))])
        try await producer.flush()
        let refused = try await run(["baseline", "capture", "--model", "m", "--duration", "8s", "--from-beginning", "--brokers", cluster.bootstrapServers,
                                     "--topic", "events", "--db", db, "--log-level", "error"], in: dir)
        #expect(refused.status == 1)
        #expect(refused.output.contains("refused: 1 event(s) of m were invalid"), "\(refused.output)")
        let tooFew = try await run(["baseline", "capture", "--model", "nobody", "--duration", "5s", "--from-beginning", "--brokers", cluster.bootstrapServers,
                                    "--topic", "events", "--db", db, "--log-level", "error"], in: dir)
        #expect(tooFew.status == 1 && tooFew.output.contains("only 0 row(s) of nobody arrived"), "\(tooFew.output)")
    }
}

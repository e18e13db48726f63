import DemoSupport
import StateStore
import DriftEstimators
import Foundation
import Testing

/// A fresh database file in a temporary directory.
func temporaryStorePath() -> String { try! TemporaryStore.path("store") }

/// Seeded rows with awkward floats (subnormals, negative zero, extremes) to prove bit-exactness.
func sampleRows(_ n: Int, _ d: Int, seed: UInt64 = 3) -> Matrix {
    var rng = SplitMix64(seed: seed)
    var values = (0..<(n * d)).map { _ in Float(Double(rng.next() % 2_000_001) / 1_000_000 - 1) }
    values[0] = -0.0
    values[1] = .leastNonzeroMagnitude
    values[2] = .greatestFiniteMagnitude
    return try! Matrix(rows: n, cols: d, values: values)
}

@Suite("Store: migrations and baselines")
struct StoreTests {
    @Test("migrations run on an empty file and re-opening applies nothing new")
    func migrations() throws {
        let path = temporaryStorePath()
        let first = try TwinwatchStore(path: path)
        let applied = try first.appliedMigrations()
        #expect(applied == ["v1-baselines", "v1-windows", "v1-alerting", "v2-baseline-cohorts", "v3-alert-engine", "v4-threshold-history", "v5-evaluation-history",
                           "v6-history-kind-index", "v7-estimator-overruns", "v8-store-heartbeat"])
        let again = try TwinwatchStore(path: path)
        #expect(try again.appliedMigrations() == applied)
    }

    @Test("several openers of a new database at once all succeed (migrations race)")
    func concurrentOpen() async throws {
        for _ in 0..<5 {
            let path = temporaryStorePath()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try TwinwatchStore(path: path).appliedMigrations().count } }
                for try await count in group { #expect(count == 10) }
            }
        }
    }

    @Test("a baseline round-trips bit-exactly with its provenance and profile")
    func roundTrip() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        let rows = sampleRows(50, 7)
        let info = try await store.insert(NewBaseline(model: "face", modelVersion: "v7", createdBy: "test", source: "import:x.npy",
                                                      timeFrom: "2026-11-25T10:00:00.000Z", timeTo: "2026-11-25T11:00:00.000Z",
                                                      rows: rows, scores: [0.5, 0.7, .nan]))
        #expect(info.version == 1 && info.status == .candidate && info.n == 50 && info.d == 7 && info.modelVersion == "v7")
        let loaded = try await store.baseline(id: info.id)
        #expect(loaded.rows.values.map(\.bitPattern) == rows.values.map(\.bitPattern))
        #expect(loaded.info == info)
        #expect(loaded.profile == BaselineProfile(rows: rows, scores: [0.5, 0.7, .nan]))
        #expect(loaded.profile.scoreCount == 2)
        #expect(abs(loaded.profile.scoreMean! - 0.6) < 1e-7)
    }

    @Test("promotion is atomic: one active baseline per model, the previous one retired")
    func promotion() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        let a = try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "s", rows: sampleRows(10, 3)))
        let b = try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "s", rows: sampleRows(10, 3, seed: 4)))
        let other = try await store.insert(NewBaseline(model: "n", createdBy: "t", source: "s", rows: sampleRows(10, 3)), status: .active)
        #expect(b.version == 2 && other.version == 1)
        try await store.promote(id: a.id)
        #expect(try await store.activeBaselines() == ["m": a.id, "n": other.id])
        let (promoted, replaced) = try await store.promote(id: b.id)
        #expect(promoted.status == .active && replaced?.id == a.id && replaced?.status == .retired)
        #expect(try await store.activeBaselines()["m"] == b.id)
        await #expect(throws: StoreError.self) { try await store.promote(id: a.id) }
        try await store.retire(id: b.id)
        #expect(try await store.activeBaselines()["m"] == nil)
        await #expect(throws: StoreError.self) { try await store.promote(id: 999) }
        #expect(try await store.baselines(model: "m").map(\.version) == [2, 1])
    }

    @Test("non-finite rows and too few rows are refused with the row and column")
    func refusesBadRows() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        var values = sampleRows(4, 3).values
        values[7] = .nan
        let error = await #expect(throws: StoreError.self) {
            try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "s", rows: try Matrix(rows: 4, cols: 3, values: values)))
        }
        #expect(error?.message.contains("row 2, column 1") == true)
        await #expect(throws: StoreError.self) {
            try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "s", rows: sampleRows(1, 3)))
        }
    }

    @Test("a null calibration persists per baseline and window size")
    func nullCalibration() async throws {
        let store = try TwinwatchStore(path: temporaryStorePath())
        let rows = sampleRows(400, 4)
        let info = try await store.insert(NewBaseline(model: "m", createdBy: "t", source: "s", rows: rows))
        let null = try NullCalibration.calibrate(baseline: rows, windowSize: 50, configuration: DriftConfiguration(estimators: [.w1, .sliced]),
                                                 resamples: 20)
        try await store.saveNull(null, baselineID: info.id, configuration: "w1,sliced")
        #expect(try await store.null(baselineID: info.id, windowSize: 50, configuration: "w1,sliced") == null)
        #expect(try await store.null(baselineID: info.id, windowSize: 60, configuration: "w1,sliced") == nil)
        #expect(try await store.nulls(baselineID: info.id).map(\.windowSize) == [50])
    }

    @Test("an unusable path names the path; a missing directory is created")
    func openError() throws {
        let file = temporaryStorePath()
        FileManager.default.createFile(atPath: file, contents: Data("not a database".utf8))
        #expect {
            _ = try TwinwatchStore(path: file)
        } throws: { error in
            "\(error)".contains(file)
        }
        let nested = URL(fileURLWithPath: temporaryStorePath()).deletingLastPathComponent().appendingPathComponent("a/b/state.sqlite").path
        #expect(try TwinwatchStore(path: nested).appliedMigrations().count == 10)
    }
}

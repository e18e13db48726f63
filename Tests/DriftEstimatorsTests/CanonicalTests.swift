import Foundation
import Testing
@testable import DriftEstimators

/// The production-sized golden case (n = m = 10 000, d = 256, seed 7, seven scenarios): the data
/// are not stored (10 MB per window) but regenerated bit-identically by the reference generator
/// (bundled `Fixtures/golden/tools/gen.py` with the `ref.py` it imports), then every estimator is checked against
/// `canonical_n10000_d256_s7.json` at the tolerances of the small cases.
///
/// Needs `python3` with scipy and the reference's numpy version on PATH, else the suite is skipped. A BLAS that rounds
/// the generator's float64 matmul differently gives other files (the generator does not promise
/// bit-identity across platforms; on an AVX-512 machine four of the seven currents differ): the
/// SHA-256 recorded in the canonical file then tells, and — as golden/README.md prescribes — the
/// values are those the bundled `ref.py` computes for the regenerated files (it needs POT and
/// scikit-learn too; without them such a case is reported as not compared).
@Suite("Canonical 10k × 256 golden case", .enabled(if: CanonicalData.generatorAvailable, "needs python3 with scipy and the numpy version of the reference files"))
struct CanonicalTests {
    static let cases = [
        "none_n10000_d256_s7", "mean_shift_0.05_n10000_d256_s7", "cov_scale_1.2_n10000_d256_s7",
        "new_cluster_0.1_n10000_d256_s7", "dim_collapse_0.25_n10000_d256_s7", "dim_corrupt_0_n10000_d256_s7",
        "heavy_tail_0.01_n10000_d256_s7",
    ]

    /// One test for all seven cases: they share the 140 MB of generated files, removed at the end.
    @Test func driftMatchesCanonicalReference() throws {
        let fixtures = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/golden")
        let expected = try JSONDecoder().decode(CanonicalData.File.self,
                                                from: Data(contentsOf: fixtures.appendingPathComponent("canonical_n10000_d256_s7.json")))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("twinwatch-canonical-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let status = CanonicalData.run(["python3", fixtures.appendingPathComponent("tools/gen.py").path, "--all-scenarios", "--n", "10000",
                                        "--d", "256", "--seed", "7", "--formats", "bin", "--out", directory.path])
        try #require(status == 0, "gen.py exited with \(status)")
        // Every case shares the baseline (same seed and stream); one summary serves all of them.
        let baseline = try EmbeddingReader.read(contentsOf: directory.appendingPathComponent("\(Self.cases[0])/baseline.f32bin"))
        let summary = try BaselineSummary(baseline: baseline)
        var compared = 0
        for caseName in Self.cases {
            let reference = try #require(expected.cases[caseName], "\(caseName) missing from the canonical file")
            let generated = try CanonicalData.sha256(caseName, in: directory)
            let caseDirectory = directory.appendingPathComponent(caseName)
            let drift: Expected.Drift, source: String
            if generated == reference.sha256 {
                (drift, source) = (reference.drift, "canonical file")
            } else if CanonicalData.referenceAvailable {
                (drift, source) = (try CanonicalData.referenceValues(for: caseDirectory, tools: fixtures.appendingPathComponent("tools")),
                                   "ref.py on the regenerated files")
            } else {
                print("canonical \(caseName): not compared — the regenerated files differ from the reference's "
                      + "(numpy/BLAS rounding) and ref.py needs POT and scikit-learn: \(generated) vs \(reference.sha256)")
                continue
            }
            let current = try EmbeddingReader.read(contentsOf: caseDirectory.appendingPathComponent("current.f32bin"))
            print("canonical \(caseName) (\(source)): \(GoldenTests.compare(try summary.evaluate(current), drift, caseName))")
            compared += 1
        }
        print("canonical: \(compared) of \(Self.cases.count) cases compared")
        if CanonicalData.referenceAvailable { #expect(compared == Self.cases.count) }
    }
}

/// The canonical reference file's shape, gen.py's meta.json hashes, and running the generator.
enum CanonicalData {
    struct Hashes: Decodable {
        let baseline: String, current: String
        enum CodingKeys: String, CodingKey { case baseline = "baseline.f32bin", current = "current.f32bin" }
    }
    struct Case: Decodable {
        let hashes: Hashes
        let drift: Expected.Drift
        var sha256: [String] { [hashes.baseline, hashes.current] }

        enum CodingKeys: String, CodingKey { case hashes = "sha256" }
        init(from decoder: any Decoder) throws {
            hashes = try decoder.container(keyedBy: CodingKeys.self).decode(Hashes.self, forKey: .hashes)
            drift = try Expected.Drift(from: decoder)
        }
    }
    struct File: Decodable { let cases: [String: Case] }

    /// gen.py needs numpy — the version that made the reference files, since other versions need
    /// not draw the same streams — and scipy, through the projection formula it imports from ref.py.
    static let generatorAvailable: Bool = {
        struct Versions: Decodable { let versions: [String: String] }
        guard let url = Bundle.module.resourceURL?.appendingPathComponent("Fixtures/golden/canonical_n10000_d256_s7.json"),
              let data = try? Data(contentsOf: url), let numpy = try? JSONDecoder().decode(Versions.self, from: data).versions["numpy"]
        else { return false }
        return run(["python3", "-c", "import numpy, scipy; assert numpy.__version__ == '\(numpy)'"]) == 0
    }()

    /// Whether the bundled ref.py can compute every drift value (it imports POT; kNN KL needs scikit-learn).
    static let referenceAvailable: Bool = generatorAvailable && run(["python3", "-c", "import ot, sklearn"]) == 0

    /// The `drift` section ref.py computes for a generated case directory.
    static func referenceValues(for caseDirectory: URL, tools: URL) throws -> Expected.Drift {
        struct Results: Decodable { let drift: Expected.Drift }
        let out = caseDirectory.appendingPathComponent("ref_results.json")
        let status = run(["python3", tools.appendingPathComponent("ref.py").path, caseDirectory.path, "--out", out.path])
        try #require(status == 0, "ref.py exited with \(status) on \(caseDirectory.lastPathComponent)")
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true  // Python's json writes NaN / Infinity for non-finite values
        return try decoder.decode(Results.self, from: Data(contentsOf: out)).drift
    }

    /// SHA-256 of the case's baseline and current files, as gen.py recorded them in meta.json.
    static func sha256(_ caseName: String, in directory: URL) throws -> [String] {
        struct Meta: Decodable { let sha256: Hashes }
        let meta = try JSONDecoder().decode(Meta.self, from: Data(contentsOf: directory.appendingPathComponent("\(caseName)/meta.json")))
        return [meta.sha256.baseline, meta.sha256.current]
    }

    /// Exit status of `arguments` run through /usr/bin/env (output discarded), −1 if it cannot start.
    static func run(_ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

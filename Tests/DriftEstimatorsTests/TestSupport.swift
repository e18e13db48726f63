import Foundation
import Testing
@testable import DriftEstimators

/// Fixture access (bundled copies of golden/small; tests never read the shared folder).
enum Fixtures {
    static let cases = [
        "none_n2000_d32_s11", "mean_shift_0.05_n2000_d32_s11", "cov_scale_1.2_n2000_d32_s11",
        "new_cluster_0.1_n2000_d32_s11", "dim_corrupt_0_n2000_d32_s11",
    ]

    static func url(_ relative: String) throws -> URL {
        let base = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures/golden/small")
        return base.appendingPathComponent(relative)
    }

    static func matrix(_ relative: String) throws -> Matrix {
        try EmbeddingReader.read(contentsOf: url(relative))
    }

    static func expected(_ caseName: String) throws -> Expected {
        let data = try Data(contentsOf: url("\(caseName)/expected.json"))
        let decoder = JSONDecoder()
        decoder.allowsJSON5 = true
        return try decoder.decode(Expected.self, from: data)
    }
}

/// The `drift` section of a golden expected.json.
struct Expected: Decodable {
    struct Summary: Decodable { let mean: Double; let max: Double; let argmax: Int }
    struct Directions: Decodable { let base_cur: Summary; let cur_base: Summary }
    struct Sliced: Decodable { let sw1_portable: Double; let sw2_portable: Double }
    struct Gauss: Decodable { let full_base_cur, full_cur_base, diag_base_cur, diag_cur_base: Double }
    struct KNN: Decodable { let k1_base_cur, k1_cur_base, k5_base_cur, k5_cur_base: Double }
    struct Drift: Decodable {
        let w1_per_dim: Summary
        let sliced_w: Sliced
        let frechet: Double
        let gaussian_kl: Gauss
        let hist_kl_dims: Directions
        let hist_kl_proj: Directions
        let knn_kl: KNN
    }
    let drift: Drift
}

/// |a − b| ≤ rel·|b| (with an absolute floor for values at 0).
func close(_ a: Double, _ b: Double, rel: Double, abs floor: Double = 1e-300) -> Bool {
    Swift.abs(a - b) <= Swift.max(rel * Swift.abs(b), floor)
}

func relativeError(_ a: Double, _ b: Double) -> Double {
    b == 0 ? Swift.abs(a) : Swift.abs(a - b) / Swift.abs(b)
}

/// Seeded standard normal draws (Box–Muller on SplitMix64) for synthetic test data.
struct Gaussian {
    var rng: SplitMix64
    var spare: Double?

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func next() -> Double {
        if let s = spare { spare = nil; return s }
        let u1 = rng.nextUnit(), u2 = rng.nextUnit()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * .pi * u2)
        return r * cos(2 * .pi * u2)
    }

    /// rows×cols matrix with per-column scale `scale[c]` and offset `shift[c]`.
    mutating func matrix(rows: Int, cols: Int, scale: [Double]? = nil, shift: [Double]? = nil) -> Matrix {
        var v = [Float](repeating: 0, count: rows * cols)
        for r in 0..<rows {
            for c in 0..<cols {
                v[r * cols + c] = Float(next() * (scale?[c] ?? 1) + (shift?[c] ?? 0))
            }
        }
        return try! Matrix(rows: rows, cols: cols, values: v)
    }
}

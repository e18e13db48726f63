import DriftEstimators
import Foundation

/// The drift scenarios of golden/README.md (`gen.py`'s perturbations of a fresh window).
public enum DriftScenario: String, CaseIterable, Sendable, Codable {
    case none
    case meanShift = "mean_shift"
    case covScale = "cov_scale"
    case newCluster = "new_cluster"
    case dimCollapse = "dim_collapse"
    case dimCorrupt = "dim_corrupt"
    case heavyTail = "heavy_tail"

    /// gen.py's default parameter (nil for `none`).
    public var defaultParameter: Double? {
        switch self {
        case .none: nil
        case .meanShift: 0.05
        case .covScale: 1.2
        case .newCluster: 0.10
        case .dimCollapse: 0.25
        case .dimCorrupt: 0.0
        case .heavyTail: 0.01
        }
    }

    /// Parses `all` or a comma-separated list of names, each optionally `name:param`.
    public static func parseList(_ text: String) throws -> [(DriftScenario, Double?)] {
        if text == "all" { return allCases.map { ($0, $0.defaultParameter) } }
        return try text.split(separator: ",").map { item in
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard let s = DriftScenario(rawValue: parts[0]) else {
                throw ScenarioError("unknown scenario '\(parts[0])' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard parts.count == 2 else { return (s, s.defaultParameter) }
            guard let p = Double(parts[1]), p.isFinite else { throw ScenarioError("scenario \(s.rawValue): parameter '\(parts[1])' is not a number") }
            return (s, p)
        }
    }

    /// The scenario's random choices (direction, dimension, basis, cluster centre), drawn once, so
    /// that every window of a stream drifts the same way.
    public func perturbation(parameter: Double?, mixture: EmbeddingMixture, rng: inout SplitMix64) -> Perturbation {
        let d = mixture.dimension
        var p = Perturbation(scenario: self, parameter: parameter ?? defaultParameter ?? 0, mixture: mixture)
        switch self {
        case .meanShift, .newCluster: p.direction = EmbeddingMixture.unitRows(EmbeddingMixture.gaussians(d, rng: &rng), cols: d)
        case .dimCollapse: p.basis = EmbeddingMixture.orthonormal(d, rng: &rng)
        case .dimCorrupt: p.dimension = Int(rng.next() % UInt64(d))
        case .none, .covScale, .heavyTail: break
        }
        return p
    }

    /// `window` perturbed as gen.py's `apply_scenario` does, with fresh random choices.
    public func apply(to window: Matrix, parameter: Double?, mixture: EmbeddingMixture, rng: inout SplitMix64) -> Matrix {
        perturbation(parameter: parameter, mixture: mixture, rng: &rng).apply(to: window, rng: &rng)
    }

    /// One scenario with its random choices fixed; `apply` perturbs window after window alike.
    public struct Perturbation: Sendable {
        public let scenario: DriftScenario
        public let parameter: Double
        let mixture: EmbeddingMixture
        /// mean_shift's unit direction u; new_cluster's centre.
        var direction: [Double] = []
        /// dim_collapse's orthonormal basis (rows).
        var basis: [Double] = []
        /// dim_corrupt's column.
        var dimension = 0

        /// `window` with the drift applied (`rng` draws what differs per row: noise, replaced rows).
        public func apply(to window: Matrix, rng: inout SplitMix64) -> Matrix {
            let n = window.rows, d = window.cols, p = parameter
            var x = window.values
            switch scenario {
            case .none:
                return window
            case .meanShift:
                // x + s·u; not renormalised, so ‖E[cur] − E[base]‖ ≈ s.
                for i in 0..<n { for j in 0..<d { x[i * d + j] += Float(p * direction[j]) } }
            case .covScale:
                let mean = Self.columnMeans(window)
                for i in 0..<n { for j in 0..<d { x[i * d + j] = Float(mean[j] + p * (Double(x[i * d + j]) - mean[j])) } }
            case .newCluster:
                // A fraction p of the rows replaced by draws from a new unit-norm cluster (scale 0.5).
                let k = Int((p * Double(n)).rounded())
                let noise = mixture.correlatedNoise(k, rng: &rng)
                var rows = Array(0..<n)
                for i in 0..<k { rows.swapAt(i, i + Int(rng.next() % UInt64(n - i))) }
                for (r, target) in rows.prefix(k).enumerated() {
                    EmbeddingMixture.storeUnit((0..<d).map { direction[$0] + 0.5 * noise[r * d + $0] }, into: &x, at: target * d)
                }
            case .dimCollapse:
                // In the basis keep the first ⌈p·d⌉ directions, shrink the others by 0.1 around the
                // window mean, then renormalise rows.
                let keep = Int((p * Double(d)).rounded(.up))
                let mean = Self.columnMeans(window)
                var centred = [Double](repeating: 0, count: n * d)
                for i in 0..<n { for j in 0..<d { centred[i * d + j] = Double(x[i * d + j]) - mean[j] } }
                var y = EmbeddingMixture.multiply(centred, rows: n, by: basis, d: d, transposingB: true)  // coordinates in the basis
                for i in 0..<n { for j in keep..<d { y[i * d + j] *= 0.1 } }
                let back = EmbeddingMixture.multiply(y, rows: n, by: basis, d: d, transposingB: false)
                for i in 0..<n { EmbeddingMixture.storeUnit((0..<d).map { mean[$0] + back[i * d + $0] }, into: &x, at: i * d) }
            case .dimCorrupt:
                for i in 0..<n { x[i * d + dimension] = Float(p) }
            case .heavyTail:
                // Student t with 2 degrees of freedom: Z / √(χ²₂ / 2), χ²₂ = −2 ln U.
                for i in 0..<(n * d) { x[i] += Float(p * rng.gaussian() / (-log(rng.nextUnit())).squareRoot()) }
            }
            return try! Matrix(rows: n, cols: d, values: x)  // shape unchanged
        }

        static func columnMeans(_ m: Matrix) -> [Double] {
            var mean = [Double](repeating: 0, count: m.cols)
            for i in 0..<m.rows { for j in 0..<m.cols { mean[j] += Double(m.values[i * m.cols + j]) } }
            return mean.map { $0 / Double(m.rows) }
        }
    }
}

/// A scenario list that cannot be parsed.
public struct ScenarioError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

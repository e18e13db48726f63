import DriftEstimators
import Foundation

/// Synthetic embeddings: a Gaussian mixture of `components` clusters in `dimension` dimensions,
/// optionally shifted by `meanShift` (in units of the per-dimension noise std) on every dimension.
public struct SyntheticEmbeddings: Sendable {
    public let dimension: Int
    public let noise: Double
    private let centers: [[Double]]

    public init(dimension: Int = 64, components: Int = 4, noise: Double = 0.3, seed: UInt64 = 7) {
        var rng = SplitMix64(seed: seed)
        self.dimension = dimension
        self.noise = noise
        centers = (0..<components).map { _ in (0..<dimension).map { _ in rng.gaussian() * 0.5 } }
    }

    /// One embedding row.
    public func row(using rng: inout SplitMix64, meanShift: Double = 0) -> [Float] {
        let center = centers[Int(rng.next() % UInt64(centers.count))]
        return center.map { Float($0 + noise * (rng.gaussian() + meanShift)) }
    }
}

import Foundation
import TwinwatchCore

extension DriftEstimatorKind {
    /// Parses a comma-separated list (`"w1,sliced"`); `"all"` selects every estimator.
    public static func parseList(_ text: String) throws(EstimatorError) -> Set<DriftEstimatorKind> {
        var out = Set<DriftEstimatorKind>()
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            if name == "all" { out.formUnion(allCases); continue }
            guard let kind = DriftEstimatorKind(rawValue: name) else {
                throw EstimatorError(.unsupportedFormat, "unknown estimator '\(name)' (known: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            out.insert(kind)
        }
        return out
    }
}

/// Parameters of every estimator; defaults are DESIGN §5's.
public struct DriftConfiguration: Sendable, Codable, Equatable {
    public var estimators: Set<DriftEstimatorKind>
    /// L, the number of portable projections for sliced W and projected-histogram KL.
    public var projections: Int
    public var projectionSeed: UInt64
    /// B, histogram bins (1 ... 65 536).
    public var bins: Int
    /// Absolute ridge added to covariances for the Gaussian KL.
    public var ridge: Double
    /// Neighbour orders of the kNN KL.
    public var knnKs: [Int]
    /// If set, the kNN KL uses at most this many rows per side (seeded subsample).
    public var knnMaxRows: Int?
    public var knnSeed: UInt64

    /// DESIGN §5 defaults; every estimator unless `estimators` says otherwise.
    public init(estimators: Set<DriftEstimatorKind> = Set(DriftEstimatorKind.allCases), projections: Int = 128,
                projectionSeed: UInt64 = 42, bins: Int = 32, ridge: Double = 1e-6, knnKs: [Int] = [1, 5],
                knnMaxRows: Int? = nil, knnSeed: UInt64 = 7) {
        self.estimators = estimators
        self.projections = projections
        self.projectionSeed = projectionSeed
        self.bins = bins
        self.ridge = ridge
        self.knnKs = knnKs
        self.knnMaxRows = knnMaxRows
        self.knnSeed = knnSeed
    }

    func validate() throws(EstimatorError) {
        guard projections >= 1, (1...65_536).contains(bins), ridge >= 0, !knnKs.isEmpty, knnKs.allSatisfy({ $0 >= 1 }) else {
            throw EstimatorError(.unsupportedFormat, "invalid drift configuration: projections \(projections), bins \(bins), ridge \(ridge), k \(knnKs)")
        }
        if let r = knnMaxRows, r < 2 { throw EstimatorError(.tooFewRows, "knn max rows \(r) < 2") }
    }
}

/// Seeded sampling without replacement.
enum Sampling {
    /// `k` distinct indices of `0..<n` in draw order: partial Fisher–Yates when k is a large
    /// fraction of n, otherwise rejection against a set (O(k) instead of O(n) per draw).
    static func indices(choose k: Int, from n: Int, rng: inout SplitMix64) -> [Int] {
        let k = Swift.min(k, n)
        if k * 4 < n {
            var seen = Set<Int>(minimumCapacity: k)
            var out = [Int]()
            out.reserveCapacity(k)
            while out.count < k {
                let i = Int(rng.next() % UInt64(n))
                if seen.insert(i).inserted { out.append(i) }
            }
            return out
        }
        var perm = Array(0..<n)
        for i in 0..<k {
            let j = i + Int(rng.next() % UInt64(n - i))
            perm.swapAt(i, j)
        }
        return Array(perm[0..<k])
    }
}

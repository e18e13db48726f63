/// Retrieval quality of one (model, cohort): Recall@k for k = 1, 5, 10 over the newest `capacity`
/// queries with feedback (`relevant_rank`: 1-based rank of the first relevant item, 0 = none in the
/// top K). O(1) per query; 2 B per query kept.
public struct RetrievalWindow: Sendable {
    public static let ks = [1, 5, 10]
    public let capacity: Int
    private var ranks: FIFORing<UInt16>
    private var hits = [0, 0, 0]

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        ranks = FIFORing(filler: 0, limit: self.capacity)
    }

    public var queries: Int { ranks.count }

    /// Counts one query's feedback; ranks below 0 are refused (false).
    public mutating func append(relevantRank rank: Int) -> Bool {
        guard rank >= 0 else { return false }
        if ranks.count == capacity { tally(ranks.removeFirst(), by: -1) }
        let stored = UInt16(min(rank, Int(UInt16.max)))
        ranks.append(stored)
        tally(stored, by: 1)
        return true
    }

    /// Recall@k (share of queries whose first relevant item is within the top k), nil without queries.
    public func recall(at k: Int) -> Double? {
        guard let i = Self.ks.firstIndex(of: k), queries > 0 else { return nil }
        return Double(hits[i]) / Double(queries)
    }

    /// Hits within the top k of the kept queries.
    public func hits(at k: Int) -> Int? { Self.ks.firstIndex(of: k).map { hits[$0] } }

    private mutating func tally(_ rank: UInt16, by delta: Int) {
        guard rank > 0 else { return }
        for (i, k) in Self.ks.enumerated() where Int(rank) <= k { hits[i] += delta }
    }
}

import Foundation

/// Which cohort each row of a baseline belongs to, so a cohort's window is compared with that
/// cohort's rows (never with the model's mix). Stored as the names once and one UInt16 per row.
public struct BaselineCohorts: Sendable, Equatable {
    /// Distinct cohort names, in order of first appearance.
    public let names: [String]
    /// Per row, its index into `names`.
    public let index: [UInt16]

    /// From each row's cohort name; nil when there are more than 65 536 distinct names.
    public init?(perRow cohorts: [String]) {
        var positions: [String: UInt16] = [:]
        var names: [String] = []
        var index: [UInt16] = []
        index.reserveCapacity(cohorts.count)
        for cohort in cohorts {
            if let i = positions[cohort] {
                index.append(i)
                continue
            }
            guard names.count <= Int(UInt16.max) else { return nil }
            positions[cohort] = UInt16(names.count)
            index.append(UInt16(names.count))
            names.append(cohort)
        }
        self.names = names
        self.index = index
    }

    init(names: [String], index: [UInt16]) {
        self.names = names
        self.index = index
    }

    /// Indices of the rows of `cohort`, ascending (empty for an unknown cohort).
    public func rows(of cohort: String) -> [Int] {
        guard let i = names.firstIndex(of: cohort).map(UInt16.init) else { return [] }
        return index.indices.filter { index[$0] == i }
    }

    /// Rows per cohort.
    public var counts: [String: Int] {
        var counts = [Int](repeating: 0, count: names.count)
        for i in index { counts[Int(i)] += 1 }
        return Dictionary(uniqueKeysWithValues: zip(names, counts))
    }

    /// The per-row indices as little-endian bytes (the store's blob).
    var blob: Data {
        var data = Data(capacity: index.count * 2)
        for i in index { withUnsafeBytes(of: i.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    /// Reads the store's columns; nil for a baseline stored without cohorts.
    static func decode(names json: String?, blob: Data?, rows: Int) throws(StoreError) -> BaselineCohorts? {
        guard let json, let blob else { return nil }
        guard let names = try? JSONDecoder().decode([String].self, from: Data(json.utf8)), blob.count == rows * 2 else {
            throw StoreError(.database, "baseline cohorts: \(blob.count) bytes for \(rows) rows or unreadable names")
        }
        let index = blob.withUnsafeBytes { raw in (0..<rows).map { UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } }
        guard index.allSatisfy({ Int($0) < names.count }) else { throw StoreError(.database, "baseline cohorts: index beyond \(names.count) names") }
        return BaselineCohorts(names: names, index: index)
    }
}

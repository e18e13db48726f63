import DriftEstimators

/// The most recent `capacity` embedding rows of one key, in one ring buffer of `Float`s
/// (memory: capacity × dimension × 4 bytes, allocated once).
public struct RollingWindow: Sendable {
    public let capacity: Int
    public let dimension: Int
    private var storage: [Float]
    private var next = 0
    public private(set) var count = 0

    public init(capacity: Int, dimension: Int) {
        self.capacity = capacity
        self.dimension = dimension
        storage = [Float](repeating: 0, count: capacity * dimension)
    }

    /// Appends one row, evicting the oldest when full. `row.count` must equal `dimension`.
    public mutating func append(_ row: [Float]) {
        precondition(row.count == dimension, "row of \(row.count) values in a window of dimension \(dimension)")
        storage.withUnsafeMutableBufferPointer { buffer in
            for (j, value) in row.enumerated() { buffer[next * dimension + j] = value }
        }
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// The rows oldest first, as a matrix.
    public func matrix() -> Matrix {
        let start = count < capacity ? 0 : next
        var values = [Float]()
        values.reserveCapacity(count * dimension)
        for i in 0..<count {
            let r = (start + i) % capacity
            values.append(contentsOf: storage[(r * dimension)..<((r + 1) * dimension)])
        }
        // Shape is consistent by construction.
        return try! Matrix(rows: count, cols: dimension, values: values)
    }
}

import StateStore
import DriftEstimators

/// The most recent `capacity` rows of one key, in ring buffers allocated once: embeddings in one
/// `[Float]`, event times and similarity scores beside them. Memory per key:
/// capacity × (4·dimension + 12) bytes (a 5 000 × 256 window is 5.18 MB).
///
/// Rows carry sequence numbers (`appended` counts every row ever appended), which is how
/// checkpoints write only what is new and how a restored window continues where it stopped.
public struct RollingWindow: Sendable {
    public let capacity: Int
    public let dimension: Int
    private var values: [Float]
    private var timestamps: [Int64]
    private var scores: [Float]
    /// Rows ever appended; the next row's sequence number.
    public private(set) var appended: Int64 = 0

    public init(capacity: Int, dimension: Int) {
        self.capacity = capacity
        self.dimension = dimension
        values = [Float](repeating: 0, count: capacity * dimension)
        timestamps = [Int64](repeating: 0, count: capacity)
        scores = [Float](repeating: .nan, count: capacity)
    }

    /// A window holding the newest `capacity` of `rows`, continuing at `appended`.
    public init(capacity: Int, dimension: Int, restoring rows: WindowRows, appended: Int64) {
        self.init(capacity: capacity, dimension: dimension)
        let keep = Swift.min(rows.count, capacity)
        let skip = rows.count - keep
        self.appended = appended - Int64(keep)
        for i in skip..<rows.count {
            rows.values.withUnsafeBufferPointer { v in
                append(UnsafeBufferPointer(rebasing: v[(i * dimension)..<((i + 1) * dimension)]), timestampMs: rows.timestamps[i], score: rows.scores[i])
            }
        }
    }

    /// Rows currently held.
    public var count: Int { Int(Swift.min(appended, Int64(capacity))) }

    /// Sequence number of the oldest row held.
    public var oldestSeq: Int64 { appended - Int64(count) }

    /// Appends one row (`dimension` values), evicting the oldest when full.
    public mutating func append(_ row: UnsafeBufferPointer<Float>, timestampMs: Int64, score: Float) {
        precondition(row.count == dimension, "row of \(row.count) values in a window of dimension \(dimension)")
        let slot = Int(appended % Int64(capacity))
        values.withUnsafeMutableBufferPointer { buffer in
            _ = UnsafeMutableBufferPointer(rebasing: buffer[(slot * dimension)..<((slot + 1) * dimension)]).initialize(from: row)
        }
        timestamps[slot] = timestampMs
        scores[slot] = score
        appended += 1
    }

    /// Appends one row given as an array.
    public mutating func append(_ row: [Float], timestampMs: Int64 = 0, score: Float = .nan) {
        row.withUnsafeBufferPointer { append($0, timestampMs: timestampMs, score: score) }
    }

    /// Rows with sequence numbers from `seq` (clamped to what is held) to the newest.
    public func rows(from seq: Int64) -> WindowRows {
        let first = Swift.max(seq, oldestSeq)
        var out = WindowRows(firstSeq: first)
        let n = Int(appended - first)
        out.values.reserveCapacity(n * dimension)
        out.timestamps.reserveCapacity(n)
        out.scores.reserveCapacity(n)
        for s in first..<appended {
            let slot = Int(s % Int64(capacity))
            out.values.append(contentsOf: values[(slot * dimension)..<((slot + 1) * dimension)])
            out.timestamps.append(timestamps[slot])
            out.scores.append(scores[slot])
        }
        return out
    }

    /// The newest `count` rows, oldest first, as a matrix, with their scores.
    public func newest(_ count: Int) -> (matrix: Matrix, scores: [Float]) {
        let rows = rows(from: appended - Int64(Swift.min(count, self.count)))
        // Shape is consistent by construction.
        return (try! Matrix(rows: rows.count, cols: dimension, values: rows.values), rows.scores)
    }

    /// Every row held, oldest first.
    public func matrix() -> Matrix { newest(count).matrix }

    /// Event time of the row with sequence number `seq` (held: `oldestSeq..<appended`).
    public func timestamp(of seq: Int64) -> Int64 { timestamps[Int(seq % Int64(capacity))] }

    /// Appends the row with sequence number `seq` (held) and its score to `values` / `scores`.
    func copyRow(_ seq: Int64, into values: inout [Float], scores: inout [Float]) {
        let slot = Int(seq % Int64(capacity))
        values.append(contentsOf: self.values[(slot * dimension)..<((slot + 1) * dimension)])
        scores.append(self.scores[slot])
    }

    /// How many of the newest rows are at most `duration` older than the newest row.
    public func rowsWithin(milliseconds duration: Int64) -> Int {
        guard count > 0 else { return 0 }
        let newestTime = timestamps[Int((appended - 1) % Int64(capacity))]
        var n = 0
        var s = appended - 1
        while s >= oldestSeq, newestTime - timestamps[Int(s % Int64(capacity))] <= duration {
            n += 1
            s -= 1
        }
        return n
    }
}

import TwinwatchCore

/// Rows appended to one window in sequence order: row `i` has sequence number `firstSeq + i`.
public struct WindowRows: Sendable, Equatable {
    public var firstSeq: Int64
    public var values: [Float]
    public var timestamps: [Int64]
    /// Similarity score per row (NaN when the event had none).
    public var scores: [Float]

    public init(firstSeq: Int64, values: [Float] = [], timestamps: [Int64] = [], scores: [Float] = []) {
        self.firstSeq = firstSeq
        self.values = values
        self.timestamps = timestamps
        self.scores = scores
    }

    public var count: Int { timestamps.count }
}

/// What one checkpoint writes for one window: the rows appended since the previous checkpoint and
/// the sequence before which rows have left the window (their chunks are deleted).
public struct WindowDelta: Sendable {
    public let model: String
    public let cohort: String
    public let dimension: Int
    /// Rows ever appended: the sequence number of the next row.
    public let appended: Int64
    public let source: TopicPartition?
    public let newRows: WindowRows
    public let keepFromSeq: Int64

    public init(model: String, cohort: String, dimension: Int, appended: Int64, source: TopicPartition?, newRows: WindowRows, keepFromSeq: Int64) {
        self.model = model
        self.cohort = cohort
        self.dimension = dimension
        self.appended = appended
        self.source = source
        self.newRows = newRows
        self.keepFromSeq = keepFromSeq
    }
}

/// The next offset to read of one partition, as reflected in a checkpoint.
public struct PartitionOffset: Sendable, Hashable {
    public let source: TopicPartition
    public let nextOffset: Int64

    public init(topic: String, partition: Int32, nextOffset: Int64) {
        source = TopicPartition(topic: topic, partition: partition)
        self.nextOffset = nextOffset
    }
}

/// Window changes and the consumer offsets they reflect, written in one transaction.
public struct Checkpoint: Sendable {
    public let groupID: String
    public let windows: [WindowDelta]
    public let offsets: [PartitionOffset]

    public init(groupID: String, windows: [WindowDelta], offsets: [PartitionOffset]) {
        self.groupID = groupID
        self.windows = windows
        self.offsets = offsets
    }
}

/// A window's identity.
public struct WindowID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let model: String
    public let cohort: String

    public init(model: String, cohort: String) {
        self.model = model
        self.cohort = cohort
    }

    public var description: String { "\(model)/\(cohort)" }

    /// By model, then cohort: the order windows are checkpointed, evaluated and listed in.
    public static func < (a: WindowID, b: WindowID) -> Bool { (a.model, a.cohort) < (b.model, b.cohort) }
}

/// A window as restored from the last checkpoint: its newest rows (at most the capacity asked for).
public struct RestoredWindow: Sendable {
    public let id: WindowID
    public let dimension: Int
    public let appended: Int64
    public let source: TopicPartition?
    public let rows: WindowRows
}

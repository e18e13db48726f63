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

/// Where a window's rows come from: the partition a cohort key's events arrive on (nil for a
/// model-wide aggregate, which mixes partitions).
public struct SourcePartition: Sendable, Hashable, Codable {
    public let topic: String
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

/// What one checkpoint writes for one window: the rows appended since the previous checkpoint and
/// the sequence before which rows have left the window (their chunks are deleted).
public struct WindowDelta: Sendable {
    public let model: String
    public let cohort: String
    public let dimension: Int
    /// Rows ever appended: the sequence number of the next row.
    public let appended: Int64
    public let source: SourcePartition?
    public let newRows: WindowRows
    public let keepFromSeq: Int64

    public init(model: String, cohort: String, dimension: Int, appended: Int64, source: SourcePartition?, newRows: WindowRows, keepFromSeq: Int64) {
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
    public let source: SourcePartition
    public let nextOffset: Int64

    public init(topic: String, partition: Int32, nextOffset: Int64) {
        source = SourcePartition(topic: topic, partition: partition)
        self.nextOffset = nextOffset
    }
}

/// Window changes and the consumer offsets they reflect, written in one transaction.
public struct Checkpoint: Sendable {
    public let groupID: String
    public let windows: [WindowDelta]
    public let offsets: [PartitionOffset]
    /// Windows that no longer exist here (e.g. an evicted cohort); their rows are deleted.
    public let removed: [WindowID]

    public init(groupID: String, windows: [WindowDelta], offsets: [PartitionOffset], removed: [WindowID] = []) {
        self.groupID = groupID
        self.windows = windows
        self.offsets = offsets
        self.removed = removed
    }
}

/// A window's identity.
public struct WindowID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let model: String
    public let cohort: String

    public init(model: String, cohort: String) {
        self.model = model
        self.cohort = cohort
    }

    public var description: String { "\(model)/\(cohort)" }
}

/// A window as restored from the last checkpoint: its newest rows (at most the capacity asked for).
public struct RestoredWindow: Sendable {
    public let id: WindowID
    public let dimension: Int
    public let appended: Int64
    public let source: SourcePartition?
    public let rows: WindowRows
}
